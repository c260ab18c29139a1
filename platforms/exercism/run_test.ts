import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { kitPath } from "../../lib/paths.ts";
import { inTempDir } from "../../commands/_test_helpers.ts";
import { FORGED, runScript, SUBMISSION_KINDS, writeSubmission } from "../test_support.ts";

const RUN = kitPath("platforms", "exercism", "run.sh");

interface Results {
  version: number;
  status: string;
  message?: string;
  tests: { name: string; status: string; output?: string; task_id: number }[];
}

Deno.test("run.sh SLUG IN OUT grades a good, a stub and a hostile solution, and exits 0", async () => {
  await inTempDir(async (dir) => {
    const secret = `${dir}/secret.txt`;
    await Deno.writeTextFile(secret, "THE RUNNER'S SECRET");
    const graded: Record<string, Results> = {};
    for (const kind of SUBMISSION_KINDS) {
      await writeSubmission(`${dir}/${kind}`, kind, secret);
      // a busy machine grades slower than a runner: the tests' time limit, not the runner's
      const r = await runScript(RUN, ["gpt2", `${dir}/${kind}`, `${dir}/out/${kind}`], {
        GPT2KIT_TIME_LIMIT: "60",
      });
      assertEquals(r.code, 0, `${kind}: ${r.stdout}${r.stderr}`);
      graded[kind] = JSON.parse(await Deno.readTextFile(`${dir}/out/${kind}/results.json`));
    }
    const { good, stub, hostile } = graded;
    assertEquals([good.version, good.status], [3, "pass"]);
    assert(good.tests.every((t) => t.status === "pass"));
    assertEquals(stub.status, "fail");
    assertEquals([...new Set(good.tests.map((t) => t.task_id))], [1, 2, 3, 4, 5, 6]);
    // nothing of it could be graded: an error, which says why
    assertEquals(hostile.status, "error");
    assertStringIncludes(hostile.message!, "1_tokenizer.ts is a symbolic link");
    for (const t of hostile.tests) assert((t.output ?? "").length <= 500, t.name);
    const text = JSON.stringify(hostile);
    assert(!text.includes("THE RUNNER'S SECRET"), "the secret leaked");
    assert(!text.includes(FORGED), "a forged workflow command got through");
  });
});

Deno.test("run.sh writes an error result, and exits 0, when there is nothing to grade", async () => {
  await inTempDir(async (dir) => {
    const r = await runScript(RUN, ["gpt2", `${dir}/missing`, `${dir}/out`], {});
    assertEquals(r.code, 0, r.stderr);
    const doc: Results = JSON.parse(await Deno.readTextFile(`${dir}/out/results.json`));
    assertEquals([doc.version, doc.status], [3, "error"]);
    assertStringIncludes(doc.message!, "no solution folder");
  });
});
