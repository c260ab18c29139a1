import { assertEquals, assertRejects } from "@std/assert";
import { exists, writeFileAtomic } from "./_files.ts";
import { inTempDir, names } from "./_test_helpers.ts";

Deno.test("writeFileAtomic() creates and replaces a file (text or bytes), leaving no temporary file", async () => {
  await inTempDir(async (dir) => {
    await writeFileAtomic(`${dir}/a.txt`, "first");
    assertEquals(await Deno.readTextFile(`${dir}/a.txt`), "first");
    await writeFileAtomic(`${dir}/a.txt`, "second ✓");
    assertEquals(await Deno.readTextFile(`${dir}/a.txt`), "second ✓");
    const bytes = new Uint8Array([0xff, 0x00, 0xfe]);
    await writeFileAtomic(`${dir}/a.txt`, bytes);
    assertEquals(await Deno.readFile(`${dir}/a.txt`), bytes);
    assertEquals(await names(dir), ["a.txt"]);
  });
});

Deno.test("writeFileAtomic() leaves the target and the directory untouched when it fails", async () => {
  await inTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/target`);
    await Deno.writeTextFile(`${dir}/target/keep.txt`, "kept");
    // renaming a file over a non-empty directory fails
    await assertRejects(() => writeFileAtomic(`${dir}/target`, "new"));
    assertEquals(await names(dir), ["target"]);
    assertEquals(await Deno.readTextFile(`${dir}/target/keep.txt`), "kept");
    await assertRejects(
      () => writeFileAtomic(`${dir}/missing/a.txt`, "x"),
      Deno.errors.NotFound,
    );
    assertEquals(await names(dir), ["target"]);
  });
});

Deno.test("exists() tells files and directories from missing paths", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/f`, "");
    assertEquals(await exists(`${dir}/f`), true);
    assertEquals(await exists(dir), true);
    assertEquals(await exists(`${dir}/nope`), false);
  });
});
