import { assertEquals, assertNotEquals } from "@std/assert";
import { inTempDir } from "../commands/_test_helpers.ts";
import { MAX_LEARNER_FILE_BYTES } from "./learner_file.ts";
import { submissionDigest, submissionStageDir } from "./submission.ts";

Deno.test("submissionStageDir() grades a repository's exercises/, else the folder itself", async () => {
  await inTempDir(async (dir) => {
    assertEquals(submissionStageDir(dir), dir);
    await Deno.symlink("/", `${dir}/exercises`);
    // a link is returned by name, for grading to refuse it
    assertEquals(submissionStageDir(`${dir}/`), `${dir}/exercises`);
  });
});

Deno.test("submissionDigest() changes with what the grader would read, and never reads a pipe or a huge file", async () => {
  await inTempDir(async (dir) => {
    const empty = await submissionDigest(dir);
    await Deno.writeTextFile(`${dir}/1_tokenizer.ts`, "export {};\n");
    const one = await submissionDigest(dir);
    assertNotEquals(one, empty);
    assertEquals(await submissionDigest(dir), one);
    await Deno.writeTextFile(`${dir}/1_tokenizer.ts`, "export {}; \n");
    const edited = await submissionDigest(dir);
    assertNotEquals(edited, one);
    const fifo = await new Deno.Command("mkfifo", { args: [`${dir}/2_embedding.ts`] }).output();
    assertEquals(fifo.success, true);
    await Deno.writeFile(`${dir}/3_attention.ts`, new Uint8Array(MAX_LEARNER_FILE_BYTES + 1));
    const hostile = await submissionDigest(dir);
    assertNotEquals(hostile, edited);
    // the stage files move into exercises/: what is graded, and so the digest, changes
    await Deno.mkdir(`${dir}/exercises`);
    assertEquals(await submissionDigest(dir), empty);
    await Deno.remove(`${dir}/exercises`);
    await Deno.symlink(dir, `${dir}/exercises`);
    assertNotEquals(await submissionDigest(dir), hostile);
  });
});
