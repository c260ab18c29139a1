import { assertEquals, assertThrows } from "@std/assert";
import { LearnerFileError, learnerSource, readLearnerFile } from "./learner_file.ts";
import { inTempDir } from "../commands/_test_helpers.ts";

Deno.test("readLearnerFile() reads a regular file, and says undefined for a missing one", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/a.ts`, "export const a = 1;\n");
    assertEquals(readLearnerFile(`${dir}/a.ts`), "export const a = 1;\n");
    assertEquals(readLearnerFile(`${dir}/missing.ts`), undefined);
  });
});

Deno.test("readLearnerFile() refuses links, folders, pipes, devices and oversized files by name", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/real.ts`, "x");
    await Deno.symlink(`${dir}/real.ts`, `${dir}/link.ts`);
    await Deno.symlink("/dev/zero", `${dir}/zero.ts`);
    await Deno.mkdir(`${dir}/folder.ts`);
    await new Deno.Command("mkfifo", { args: [`${dir}/pipe.ts`] }).output();
    await Deno.writeTextFile(`${dir}/big.ts`, "y".repeat(101));
    const refused = (path: string, says: string, limit?: number) =>
      assertThrows(() => readLearnerFile(path, limit), LearnerFileError, says);
    refused(`${dir}/link.ts`, "link.ts is a symbolic link: submit the file itself");
    refused(`${dir}/zero.ts`, "zero.ts is a symbolic link");
    refused(`${dir}/folder.ts`, "folder.ts is a directory, not a file");
    refused(`${dir}/pipe.ts`, "pipe.ts is a named pipe (FIFO): submit a regular file");
    refused("/dev/null", "/dev/null is a device: submit a regular file");
    refused(`${dir}/big.ts`, "big.ts is 101 bytes, more than a stage file may be (100 bytes)", 100);
    // the reports never throw: they show what they can
    assertEquals(learnerSource(`${dir}/pipe.ts`), undefined);
    assertEquals(learnerSource(`${dir}/real.ts`), "x");
  });
});
