import { assertEquals, assertStringIncludes } from "@std/assert";
import { kitPath } from "../../lib/paths.ts";
import { checkNamed, gradeDir } from "../test_support.ts";
import { stage } from "./6_kv_cache.ts";

Deno.test("stage 6 passes the reference solution", async () => {
  const r = await gradeDir(stage, kitPath("solutions"));
  assertEquals(r.status, "pass", r.message);
  assertStringIncludes(
    checkNamed(r, "the cached export generates on WebGPU or WASM").message,
    "with the KV cache",
  );
});

Deno.test("stage 6 on untouched exercises is not started and sends the learner to stage 5", async () => {
  const r = await gradeDir(stage, kitPath("exercises"));
  assertEquals(r.status, "not-started");
  assertEquals(
    checkNamed(r, "gpt2WithCache runs").hint,
    "Finish stage 5 first: `deno task check 5`.",
  );
});
