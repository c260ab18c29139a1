import { assert, assertEquals, assertFalse, assertLess, assertMatch } from "@std/assert";
import { SafetensorsFile, writeSafetensors } from "../lib/safetensors.ts";
import { gradeContext, TINY } from "../grader/context.ts";
import { loadReferences, REFERENCE_FORMAT, type References } from "../grader/references.ts";
import { gradeStage } from "../grader/run_stage.ts";
import { stage as attention } from "../grader/stages/3_attention.ts";
import { TEST_MEMORY_LIMIT_MB, TEST_TIME_LIMIT_MS } from "../grader/test_support.ts";
import { inCacheDir, runTask } from "./_test_helpers.ts";
import { kitPath } from "../lib/paths.ts";

/** The PyTorch-made references of the bundled tiny model. */
const pytorch = loadReferences(TINY.refsPath);

/** Every tensor of a file: name -> dtype and shape, sorted by name. */
function layout(path: string): [string, string, number[]][] {
  using file = SafetensorsFile.open(path);
  return file.names().sort().map((n) => [n, file.info(n).dtype, file.info(n).shape]);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assertEquals(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Asserts that prompt `k` of `ours` matches prompt `j` of the PyTorch references. */
function assertMatchesPytorch(ours: References, k: number, j: number, newTokens: number): void {
  const mine = ours.prompts[k], theirs = pytorch.prompts[j];
  assertEquals(mine.ids, theirs.ids, `p${k} input ids`);
  assertEquals(mine.generated, theirs.generated.slice(0, newTokens), `p${k} generated ids`);
  const names = ["embeddings", "h0.attn_in", "h0.attn_out", "h0.mlp_in", "h0.mlp_out"];
  names.push("h0.out", "h1.out", "ln_f", "logits");
  for (const name of names) {
    const a = mine.tensor(name), b = theirs.tensor(name);
    assertEquals(a.shape, b.shape, `p${k}.${name} shape`);
    const err = maxAbsDiff(a.data, b.data);
    assertLess(err, 1e-4, `p${k}.${name}: max abs difference ${err} from PyTorch`);
  }
}

/** Runs `deno task refs` and expects it to succeed. */
async function refs(args: string[]): Promise<void> {
  const run = await runTask("refs", args);
  assertEquals(run.code, 0, run.stderr);
}

Deno.test("`deno task refs` with its defaults reproduces the PyTorch references of the tiny model", async (t) => {
  await inCacheDir(async (dir) => {
    const out = `${dir}/tiny.safetensors`;
    await refs(["--out", out]);

    await t.step("same tensors, dtypes and shapes as the PyTorch file", () => {
      assertEquals(layout(out), layout(TINY.refsPath));
    });

    const ours = loadReferences(out);
    await t.step("same ids and greedy tokens; every activation within 1e-4", () => {
      assertEquals(ours.prompts.length, 4);
      for (let k = 0; k < 4; k++) assertMatchesPytorch(ours, k, k, 20);
    });

    await t.step("metadata says how the file was made", () => {
      const m = ours.metadata;
      assertEquals(m.format, REFERENCE_FORMAT);
      assertEquals(m.producer, "commands/refs.ts");
      assertEquals(m.model, "tiny");
      assertEquals(m.prompts, pytorch.metadata.prompts);
      assertEquals(m.max_new_tokens, "20");
      assertEquals(m.weights_sha256, pytorch.metadata.weights_sha256);
      assertEquals(JSON.parse(m.config), JSON.parse(pytorch.metadata.config));
    });

    await t.step("one job or several: the same numbers", async () => {
      const single = `${dir}/single.safetensors`;
      await refs(["--out", single, "--jobs", "1"]);
      using a = SafetensorsFile.open(out), b = SafetensorsFile.open(single);
      for (const name of a.names()) assertEquals(a.read(name).data, b.read(name).data, name);
    });

    const grade = (refsPath: string) =>
      gradeStage(attention, gradeContext({ ...TINY, model: "custom", refsPath }), {
        learnerDir: kitPath("solutions"),
        configPath: TINY.configPath,
        weightsPath: TINY.weightsPath,
        tokenizerDir: TINY.tokenizerDir,
        timeLimitMs: TEST_TIME_LIMIT_MS,
        memoryLimitMb: TEST_MEMORY_LIMIT_MB,
      });

    await t.step("the grader passes the solutions against it (stage 3)", async () => {
      const result = await grade(out);
      assertEquals(result.status, "pass", result.checks.map((c) => c.message).join("\n"));
    });

    await t.step("... and reads it: a tampered attention output fails stage 3", async () => {
      using file = SafetensorsFile.open(out);
      const tensors = Object.fromEntries(file.names().map((n) => [n, file.read(n)]));
      const attnOut = tensors["p1.h0.attn_out"].data as Float32Array;
      attnOut[5] += 0.01;
      const tampered = `${dir}/tampered.safetensors`;
      writeSafetensors(tampered, tensors, file.metadata);
      const result = await grade(tampered);
      assertEquals(result.status, "fail");
      const failed = result.checks.filter((c) => c.status === "fail").map((c) => c.name);
      assertEquals(failed, ["CausalSelfAttention matches the reference activations"]);
    });
  });
});

Deno.test("`deno task refs` takes --prompt-ids and --prompt, in command-line order", async () => {
  await inCacheDir(async (dir) => {
    const out = `${dir}/custom.safetensors`;
    const args = ["--prompt-ids", "464, 3290", "--prompt", "Hello world", "--max-new-tokens", "3"];
    await refs(["--out", out, ...args]);
    const ours = loadReferences(out);
    assertEquals(
      ours.metadata.prompts,
      '[{"ids":[464,3290]},{"text":"Hello world","ids":[15496,995]}]',
    );
    assertEquals(ours.metadata.max_new_tokens, "3");
    assertMatchesPytorch(ours, 0, 2, 3); // "The dog"
    assertMatchesPytorch(ours, 1, 0, 3); // "Hello world"
  });
});

Deno.test("`deno task refs` rejects bad input with a message and exit code 2, writing nothing", async () => {
  await inCacheDir(async (dir) => {
    const outDir = `${dir}/out`;
    await Deno.mkdir(outDir);
    const out = `${outDir}/refs.safetensors`;
    const deeper = `${dir}/deeper.json`; // a config with a block the weights do not have
    const config = JSON.parse(await Deno.readTextFile(TINY.configPath));
    await Deno.writeTextFile(deeper, JSON.stringify({ ...config, n_layer: 3 }));
    const tinyRefsBefore = await Deno.readFile(TINY.refsPath);
    const cases: [string[], RegExp][] = [
      [["--out", out, "--prompt-ids", "1,x"], /"x" is not a token id/],
      [["--out", out, "--prompt-ids", "50257"], /token id 50257, outside .* \(0\.\.50256\)/],
      [["--out", out, "--prompt-ids", Array(129).fill(7).join(",")], /129 tokens, more .* 128/],
      [["--out", out, "--prompt", " dog".repeat(200)], /200 tokens, more than .* 128/],
      [["--out", out, "--prompt", ""], /has no tokens/],
      [["--out", out, "--nope"], /Unknown option '--nope'/],
      [["--out", out, "--max-new-tokens", "many"], /--max-new-tokens takes a non-negative/],
      [["--out", out, "--weights", TINY.weightsPath], /--weights and --config go together/],
      [["--prompt-ids", "1"], /--out FILE/],
      [["--out", `${dir}/nowhere/refs.safetensors`], /the directory ".*nowhere" does not exist/],
      [["--out", TINY.refsPath], /Refusing to write over/],
      [
        ["--out", out, "--weights", `${dir}/missing.safetensors`, "--config", TINY.configPath],
        /missing\.safetensors": file not found/,
      ],
      [
        ["--out", out, "--weights", TINY.weightsPath, "--config", `${dir}/missing.json`],
        /Cannot read ".*missing\.json"/,
      ],
      [
        ["--out", out, "--weights", TINY.weightsPath, "--config", deeper],
        /do not fit the config[^]*Missing key\(s\) in state_dict: "h\.2\.ln_1\.weight"/,
      ],
    ];
    const runs = await Promise.all(cases.map(([args]) => runTask("refs", args)));
    runs.forEach((run, i) => {
      const what = cases[i][0].join(" ");
      assertEquals(run.code, 2, `${what}\n${run.stderr}`);
      assertMatch(run.stderr, cases[i][1], what);
      assertMatch(run.stderr, /Usage: deno task refs/, what);
      assertFalse(/\n\s+at /.test(run.stderr), `${what}: no stack trace`);
    });
    assertEquals([...Deno.readDirSync(outDir)], [], "no output or temporary file is left");
    assertEquals(await Deno.readFile(TINY.refsPath), tinyRefsBefore);
    assert(runs.every((r) => !r.stdout.includes("Wrote")));
  });
});
