import { assert, assertEquals, assertFalse, assertStringIncludes, assertThrows } from "@std/assert";
import { createHash } from "node:crypto";
import { kitPath } from "../lib/paths.ts";
import { GPT2, TINY } from "../grader/context.ts";
import { loadReferences } from "../grader/references.ts";
import { UsageError } from "./_cli.ts";
import { relative } from "../lib/paths.ts";
import { type ExpectedFile, type Reporter } from "./_download.ts";
import { exists } from "./_files.ts";
import {
  DEFAULT_DIR,
  DEFAULT_ENDPOINT,
  GPT2_FILES,
  GPT2_REPO,
  GPT2_REVISION,
  parseSetupArgs,
  setup,
} from "./setup.ts";
import { inCacheDir, runTask } from "./_test_helpers.ts";

/** The bundled tiny model, served as if it were GPT-2: setup runs end to end, refs included. */
const TINY_AS_GPT2: Record<string, string> = {
  "config.json": TINY.configPath,
  "vocab.json": `${TINY.tokenizerDir}/vocab.json`,
  "merges.txt": `${TINY.tokenizerDir}/merges.txt`,
  "model.safetensors": TINY.weightsPath,
};

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A hub on 127.0.0.1 serving files (whole, no Range) at GPT-2's repository and revision. */
function serveFiles(files: Record<string, Uint8Array>) {
  const requests: string[] = [];
  const prefix = `/${GPT2_REPO}/resolve/${GPT2_REVISION}/`;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    requests.push(path);
    const bytes = path.startsWith(prefix) ? files[path.slice(prefix.length)] : undefined;
    return bytes ? new Response(bytes.slice()) : new Response("Entry not found", { status: 404 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, requests, close: () => server.shutdown() };
}

function notesReporter(): Reporter & { notes: string[] } {
  const notes: string[] = [];
  return { notes, note: (line) => notes.push(line), progress() {}, finished() {} };
}

Deno.test("GPT2_FILES pins GPT-2's revision and the kit's own tokenizer files", async () => {
  assert(/^[0-9a-f]{40}$/.test(GPT2_REVISION), "a commit hash, not a branch");
  assertEquals(GPT2_FILES.map((f) => f.name), [
    "config.json",
    "vocab.json",
    "merges.txt",
    "model.safetensors",
  ]);
  const sums = Object.fromEntries(
    (await Deno.readTextFile(kitPath("data", "tokenizer", "SHA256SUMS"))).trim().split("\n")
      .map((line) => line.split(/\s+/).reverse()),
  );
  for (const name of ["vocab.json", "merges.txt"]) {
    const file = GPT2_FILES.find((f) => f.name === name)!;
    assertEquals(file.sha256, sums[name], name);
    assertEquals(file.size, (await Deno.stat(kitPath("data", "tokenizer", name))).size, name);
  }
  assertEquals(GPT2_FILES.at(-1), {
    name: "model.safetensors",
    size: 548_105_171,
    sha256: "248dfc3911869ec493c76e65bf2fcf7f615828b0254c12b473182f0f81d3a707",
  });
});

Deno.test("setup puts the files where the grader looks for the real GPT-2", () => {
  assertEquals(GPT2.configPath, `${DEFAULT_DIR}/config.json`);
  assertEquals(GPT2.weightsPath, `${DEFAULT_DIR}/model.safetensors`);
  assertEquals(GPT2.refsPath, `${DEFAULT_DIR}/reference.safetensors`);
  assertEquals(GPT2.tokenizerDir, DEFAULT_DIR);
});

Deno.test("parseSetupArgs(): --endpoint wins over HF_ENDPOINT, which wins over huggingface.co", () => {
  const none = () => undefined;
  const mirror = (name: string) => (name === "HF_ENDPOINT" ? "https://mirror.example/" : "");
  assertEquals(parseSetupArgs([], none), {
    endpoint: DEFAULT_ENDPOINT,
    dir: DEFAULT_DIR,
    stallTimeoutMs: 30_000,
  });
  assertEquals(parseSetupArgs([], mirror), {
    endpoint: "https://mirror.example",
    dir: DEFAULT_DIR,
    stallTimeoutMs: 30_000,
  });
  assertEquals(
    parseSetupArgs(
      ["--endpoint", "http://127.0.0.1:8080", "--dir", "elsewhere", "--stall-timeout", "5"],
      mirror,
    ),
    { endpoint: "http://127.0.0.1:8080", dir: `${Deno.cwd()}/elsewhere`, stallTimeoutMs: 5000 },
  );
  assertEquals(parseSetupArgs(["--model", "gpt2", "--help"], none), "help");
});

Deno.test("parseSetupArgs() rejects another model, a URL that is not http(s), a bad timeout", () => {
  const none = () => undefined;
  assertThrows(
    () => parseSetupArgs(["--model", "tiny"], none),
    UsageError,
    'Unknown --model "tiny"',
  );
  assertThrows(
    () => parseSetupArgs([], (n) => (n === "HF_ENDPOINT" ? "huggingface.co" : undefined)),
    UsageError,
    'HF_ENDPOINT "huggingface.co" is not an http(s) URL',
  );
  assertThrows(
    () => parseSetupArgs(["--endpoint", "ftp://x"], none),
    UsageError,
    '--endpoint "ftp://x" is not an http(s) URL',
  );
  assertThrows(
    () => parseSetupArgs(["--stall-timeout", "0"], none),
    UsageError,
    "--stall-timeout takes a number of seconds",
  );
});

Deno.test("setup() downloads a model, builds its references, and does nothing the second time", async () => {
  const bytes: Record<string, Uint8Array> = {};
  for (const [name, path] of Object.entries(TINY_AS_GPT2)) bytes[name] = await Deno.readFile(path);
  const files: ExpectedFile[] = Object.entries(bytes).map(([name, b]) => ({
    name,
    size: b.length,
    sha256: sha256(b),
  }));
  const hub = serveFiles(bytes);
  try {
    await inCacheDir(async (dir) => {
      const options = { endpoint: hub.url, dir, files, freeBytes: () => Promise.resolve(1e12) };
      const first = notesReporter();
      const result = await setup({ ...options, reporter: first });
      assertEquals(result, { fetched: Object.keys(bytes), references: "built" });
      for (const [name, b] of Object.entries(bytes)) {
        assertEquals(await Deno.readFile(`${dir}/${name}`), b, name);
      }
      // the solution's references for the tiny model continue the prompts as PyTorch did
      const refs = loadReferences(`${dir}/reference.safetensors`);
      const pytorch = loadReferences(TINY.refsPath);
      assertEquals(refs.metadata.weights_sha256, sha256(bytes["model.safetensors"]));
      assertEquals(refs.prompts.map((p) => p.generated), pytorch.prompts.map((p) => p.generated));
      assertStringIncludes(first.notes.join("\n"), "Computing the grader's references");
      assertStringIncludes(first.notes.at(-1)!, "GPT-2 is ready in");

      const requests = hub.requests.length;
      const again = notesReporter();
      assertEquals(await setup({ ...options, reporter: again }), {
        fetched: [],
        references: "present",
      });
      assertEquals(hub.requests.length, requests, "no request the second time");
      assertStringIncludes(again.notes.join("\n"), "Nothing to do: the 4 files in");
    });
  } finally {
    await hub.close();
  }
});

Deno.test("setup() without solutions/ says where to put the instructor's references, moving stale ones aside", async () => {
  const config = await Deno.readFile(TINY.configPath);
  const weights = await Deno.readFile(TINY.weightsPath);
  const hub = serveFiles({ "config.json": config, "model.safetensors": weights });
  try {
    await inCacheDir(async (dir) => {
      // references made for other weights are moved out of the grader's way
      await Deno.writeTextFile(`${dir}/reference.safetensors`, "not these weights' references");
      const reporter = notesReporter();
      const result = await setup({
        endpoint: hub.url,
        dir,
        files: [
          { name: "config.json", size: config.length, sha256: sha256(config) },
          { name: "model.safetensors", size: weights.length, sha256: sha256(weights) },
        ],
        reporter,
        solutionsDir: `${dir}/no-solutions`,
        freeBytes: () => Promise.resolve(1e12),
      });
      assertEquals(result.references, "missing");
      const text = reporter.notes.join("\n");
      assertStringIncludes(text, "has no solutions/ to compute them: ask your instructor");
      assertStringIncludes(text, `put it at ${relative(`${dir}/reference.safetensors`)}.`);
      assertFalse(await exists(`${dir}/reference.safetensors`));
      assertStringIncludes(text, "was not made from these weights: moved it to");
      assertEquals(
        await Deno.readTextFile(`${dir}/reference.safetensors.old`),
        "not these weights' references",
      );
    });
  } finally {
    await hub.close();
  }
});

Deno.test("`deno task setup` exits 1 with advice when offline or the file is missing, 2 for bad arguments", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const hub = serveFiles({});
  try {
    await inCacheDir(async (dir) => {
      const offline = await runTask("setup", [
        "--endpoint",
        `http://127.0.0.1:${closedPort}`,
        "--dir",
        dir,
      ]);
      assertEquals(offline.code, 1, offline.stderr);
      assertStringIncludes(offline.stderr, `Cannot reach 127.0.0.1:${closedPort}`);
      assertStringIncludes(offline.stderr, "`deno task check N --model tiny`");

      const missing = await runTask("setup", ["--endpoint", hub.url, "--dir", dir]);
      assertEquals(missing.code, 1, missing.stderr);
      assertStringIncludes(
        missing.stderr,
        `${hub.url}/${GPT2_REPO}/resolve/${GPT2_REVISION}/config.json was not found (HTTP 404`,
      );
      assertStringIncludes(missing.stderr, "a Hugging Face hub or mirror");
      assertFalse(await exists(`${dir}/config.json`));

      const usage = await runTask("setup", ["--model", "gpt3"]);
      assertEquals(usage.code, 2);
      assertStringIncludes(usage.stderr, "Usage: deno task setup");
    });
  } finally {
    await hub.close();
  }
});
