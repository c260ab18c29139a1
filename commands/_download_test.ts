import {
  assert,
  assertEquals,
  assertFalse,
  assertGreater,
  assertLess,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { createHash } from "node:crypto";
import {
  download,
  DownloadError,
  type DownloadOptions,
  type ExpectedFile,
  fileUrl,
  formatBytes,
  freeDiskBytes,
  progressReporter,
  type Reporter,
  VERIFIED_FILE,
} from "./_download.ts";
import { exists } from "./_files.ts";
import { names } from "./_test_helpers.ts";

const REPO = "someone/model";
const REVISION = "0123456789abcdef0123456789abcdef01234567";

/** Small fake files; the weights are big enough to arrive in several chunks. */
const FILES: Record<string, Uint8Array> = {
  "config.json": new TextEncoder().encode('{"model_type": "gpt2", "n_embd": 8}\n'),
  "model.safetensors": Uint8Array.from({ length: 256 * 1024 }, (_, i) => (i * 7 + i >> 9) % 256),
};
const WEIGHTS = FILES["model.safetensors"];
const HALF = WEIGHTS.length / 2;

function expected(name: string, bytes: Uint8Array): ExpectedFile {
  return { name, size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
}

const TABLE = Object.entries(FILES).map(([name, bytes]) => expected(name, bytes));

/** One request the hub saw. */
interface Seen {
  name: string;
  range: string | null;
}

/**
 * Answers a request for a file in its own way (`nth`: the how-manieth request for that file),
 * or undefined to serve it normally. `closing` resolves when the hub closes: an answer that
 * waits for it never comes during the test.
 */
type Behaviour = (
  name: string,
  nth: number,
  closing: Promise<void>,
) => Response | Promise<Response> | undefined;

/** A fake Hugging Face hub on 127.0.0.1: `/<repo>/resolve/<revision>/<file>`, Range honoured. */
interface Hub {
  url: string;
  requests: Seen[];
  /** Ends the answers that wait, and stops the server. */
  close(): Promise<void>;
}

function startHub(behave: Behaviour = () => undefined): Hub {
  const requests: Seen[] = [];
  let close!: () => void;
  const closing = new Promise<void>((resolve) => (close = resolve));
  const prefix = `/${REPO}/resolve/${REVISION}/`;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    const name = path.startsWith(prefix) ? path.slice(prefix.length) : "";
    const range = req.headers.get("range");
    requests.push({ name, range });
    const bytes = FILES[name];
    if (!bytes) return new Response("Entry not found", { status: 404 });
    const special = behave(name, requests.filter((r) => r.name === name).length, closing);
    if (special) return special;
    const from = Number(/^bytes=(\d+)-$/.exec(range ?? "")?.[1] ?? 0);
    if (!from) return new Response(bytes.slice());
    return new Response(bytes.slice(from), {
      status: 206,
      headers: { "content-range": `bytes ${from}-${bytes.length - 1}/${bytes.length}` },
    });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    close: async () => {
      close();
      await server.shutdown();
    },
  };
}

/**
 * An answer that announces the whole file, sends its first `n` bytes, then cuts the connection
 * (`closing` undefined) or sends nothing more until `closing` resolves (a stall).
 */
function partialAnswer(bytes: Uint8Array, n: number, closing?: Promise<void>): Response {
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (!sent) {
        sent = true;
        c.enqueue(bytes.slice(0, n));
        return;
      }
      await closing;
      c.close(); // short of the announced length: the client sees the connection drop
    },
  });
  return new Response(body, { headers: { "content-length": String(bytes.length) } });
}

/** A reporter that keeps the notes. */
function notesReporter(): Reporter & { notes: string[] } {
  const notes: string[] = [];
  return { notes, note: (line) => notes.push(line), progress() {}, finished() {} };
}

/** A fresh directory, a hub and download options pointing at both; cleaned up after. */
async function withHub(
  behave: Behaviour | undefined,
  fn: (ctx: {
    hub: Hub;
    dir: string;
    options: DownloadOptions;
    reporter: ReturnType<typeof notesReporter>;
  }) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "download_test_" });
  const hub = startHub(behave);
  const reporter = notesReporter();
  try {
    await fn({
      hub,
      dir,
      reporter,
      options: {
        endpoint: hub.url,
        repo: REPO,
        revision: REVISION,
        files: TABLE,
        dir,
        reporter,
        retryDelayMs: 0,
        freeBytes: () => Promise.resolve(1e12),
      },
    });
  } finally {
    await hub.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Every file of the table is in `dir`, byte for byte, and nothing half-done is left. */
async function assertComplete(dir: string): Promise<void> {
  for (const [name, bytes] of Object.entries(FILES)) {
    assertEquals(await Deno.readFile(`${dir}/${name}`), bytes, name);
  }
  assertEquals(await names(dir), [VERIFIED_FILE, ...Object.keys(FILES)].sort());
}

/** The download fails with this reason, and nothing is at the weights' final path. */
async function assertFails(
  options: DownloadOptions,
  reason: DownloadError["reason"],
  includes: string[],
): Promise<DownloadError> {
  const e = await assertRejects(() => download(options), DownloadError);
  assertEquals(e.reason, reason, e.message);
  for (const text of includes) assertStringIncludes(e.message, text);
  assertFalse(await exists(`${options.dir}/model.safetensors`), "a file at the final path");
  return e;
}

Deno.test("download() fetches every file from <endpoint>/<repo>/resolve/<revision>/<file> and verifies it", async () => {
  await withHub(undefined, async ({ hub, dir, options }) => {
    const result = await download({ ...options, endpoint: `${hub.url}/` });
    assertEquals(result, { fetched: ["config.json", "model.safetensors"], present: [] });
    await assertComplete(dir);
    assertEquals(hub.requests, [
      { name: "config.json", range: null },
      { name: "model.safetensors", range: null },
    ]);
  });
});

Deno.test("download() resumes with a Range request after the connection drops mid-file", async () => {
  const drop: Behaviour = (name, nth) =>
    name === "model.safetensors" && nth === 1 ? partialAnswer(WEIGHTS, HALF) : undefined;
  await withHub(drop, async ({ hub, dir, options, reporter }) => {
    await download({ ...options, retries: 1 });
    await assertComplete(dir);
    const weights = hub.requests.filter((r) => r.name === "model.safetensors");
    assertEquals(weights.map((r) => r.range), [null, `bytes=${HALF}-`]);
    assertMatch(reporter.notes.join("\n"), /was interrupted at .* trying again .*try 2 of 2/);
    assertStringIncludes(reporter.notes.join("\n"), "Resuming model.safetensors at 131.1 kB");
  });
});

Deno.test("download() keeps the part it got when every try drops, and the next run resumes it", async () => {
  let broken = true;
  const drop: Behaviour = (name) =>
    broken && name === "model.safetensors" ? partialAnswer(WEIGHTS, HALF) : undefined;
  await withHub(drop, async ({ hub, dir, options }) => {
    const e = await assertFails({ ...options, retries: 0 }, "interrupted", [
      "The download of model.safetensors was interrupted at 131.1 kB of 262.1 kB",
      "; gave up after 1 try. The 131.1 kB already downloaded are kept in",
      "model.safetensors.partial: running again resumes from there.",
    ]);
    assertEquals((await Deno.stat(`${dir}/model.safetensors.partial`)).size, HALF, e.message);
    broken = false;
    const result = await download(options);
    assertEquals(result, { fetched: ["model.safetensors"], present: ["config.json"] });
    await assertComplete(dir);
    assertEquals(hub.requests.at(-1), { name: "model.safetensors", range: `bytes=${HALF}-` });
  });
});

Deno.test("download() starts a file over when the server ignores Range and sends all of it", async () => {
  const ignoreRange: Behaviour = () => new Response(WEIGHTS.slice());
  await withHub(ignoreRange, async ({ hub, dir, options, reporter }) => {
    // a partial file of other bytes: appending to it, or hashing it, would end in a bad file
    await Deno.writeFile(`${dir}/model.safetensors.partial`, new Uint8Array(1000).fill(42));
    await download({ ...options, files: [TABLE[1]] });
    assertEquals(await Deno.readFile(`${dir}/model.safetensors`), WEIGHTS);
    assertEquals(hub.requests, [{ name: "model.safetensors", range: "bytes=1000-" }]);
    assertStringIncludes(reporter.notes.join("\n"), "The server does not resume downloads");
    assertFalse(await exists(`${dir}/model.safetensors.partial`));
  });
});

Deno.test("download() deletes a download whose SHA-256 is wrong and says so", async () => {
  const corrupt = WEIGHTS.slice();
  corrupt[1234] ^= 1;
  const wrong = createHash("sha256").update(corrupt).digest("hex");
  await withHub(() => new Response(corrupt.slice()), async ({ dir, options }) => {
    await assertFails({ ...options, files: [TABLE[1]] }, "checksum", [
      `model.safetensors is corrupt: SHA-256 ${wrong}, expected ${TABLE[1].sha256}`,
      "The bad download was deleted",
    ]);
    assertEquals(await names(dir), []);
  });
});

Deno.test("download() reports a missing file (404) with its URL, and keeps nothing", async () => {
  await withHub(undefined, async ({ hub, dir, options }) => {
    const missing = { ...TABLE[1], name: "nothing.bin" };
    const url = fileUrl(hub.url, REPO, REVISION, "nothing.bin");
    await assertFails({ ...options, files: [missing] }, "not-found", [
      `${url} was not found (HTTP 404 Not Found).`,
    ]);
    assertEquals(await names(dir), []);
  });
});

Deno.test("download() reports a refused file (401/403) without trying again", async () => {
  await withHub(() => new Response("", { status: 401 }), async ({ hub, options }) => {
    await assertFails(options, "denied", ["was refused (HTTP 401 Unauthorized)."]);
    assertEquals(hub.requests.length, 1);
  });
});

Deno.test("download() tries a server error (5xx) again, then gives up with the status", async () => {
  let failures = 1;
  const flaky: Behaviour = () => failures-- > 0 ? new Response("busy", { status: 503 }) : undefined;
  await withHub(flaky, async ({ dir, options, reporter }) => {
    await download(options);
    await assertComplete(dir);
    assertStringIncludes(reporter.notes[0], "failed with HTTP 503 Service Unavailable");
  });
  await withHub(() => new Response("", { status: 502 }), async ({ hub, options }) => {
    await assertFails({ ...options, retries: 2 }, "server", [
      "failed with HTTP 502 Bad Gateway; gave up after 3 tries. Try again later.",
    ]);
    assertEquals(hub.requests.length, 3);
  });
});

Deno.test("download() gives up on a server that stalls mid-body after the stall timeout", async () => {
  const stall: Behaviour = (name, _nth, closing) =>
    name === "model.safetensors" ? partialAnswer(WEIGHTS, HALF, closing) : undefined;
  await withHub(stall, async ({ dir, options }) => {
    const started = performance.now();
    await assertFails({ ...options, retries: 0, stallTimeoutMs: 300 }, "timeout", [
      "The download of model.safetensors stalled at 131.1 kB of 262.1 kB: no data for 0.3 s",
      "kept in",
    ]);
    const ms = performance.now() - started;
    assertGreater(ms, 250);
    assertLess(ms, 3000);
    assertEquals((await Deno.stat(`${dir}/model.safetensors.partial`)).size, HALF);
  });
});

Deno.test("download() gives up on a server that never answers after the response timeout", async () => {
  const silent: Behaviour = (_name, _nth, closing) => closing.then(() => new Response(""));
  await withHub(silent, async ({ hub, options }) => {
    const started = performance.now();
    await assertFails({ ...options, retries: 0, responseTimeoutMs: 300 }, "timeout", [
      `${new URL(hub.url).host} did not answer within 0.3 s`,
    ]);
    assertLess(performance.now() - started, 3000);
  });
});

Deno.test("download() fails fast when the server cannot be reached (offline)", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // nothing listens there now: connection refused
  const dir = await Deno.makeTempDir({ prefix: "download_test_" });
  try {
    const started = performance.now();
    const e = await assertRejects(
      () =>
        download({
          endpoint: `http://127.0.0.1:${port}`,
          repo: REPO,
          revision: REVISION,
          files: TABLE,
          dir,
          reporter: notesReporter(),
          freeBytes: () => Promise.resolve(1e12),
        }),
      DownloadError,
      `Cannot reach 127.0.0.1:${port} (`,
    );
    assertEquals(e.reason, "unreachable");
    assertLess(performance.now() - started, 1000);
    assertEquals(await names(dir), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download() checks the free disk space first, counting what a partial file holds", async () => {
  await withHub(undefined, async ({ hub, dir, options }) => {
    await Deno.writeFile(`${dir}/model.safetensors.partial`, WEIGHTS.slice(0, HALF));
    let asked = "";
    const tiny = (d: string) => {
      asked = d;
      return Promise.resolve(1000);
    };
    const needed = formatBytes(FILES["config.json"].length + WEIGHTS.length - HALF + 5000);
    await assertFails({ ...options, freeBytes: tiny, reserveBytes: 5000 }, "disk", [
      `Not enough free disk space in ${dir}: ${needed} are needed, only 1.0 kB are free.`,
    ]);
    assertEquals(asked, dir);
    assertEquals(hub.requests, []);
  });
});

Deno.test("download() of files already in place fetches nothing, and reads them only once", async () => {
  await withHub(undefined, async ({ hub, dir, options }) => {
    await download(options);
    const before = hub.requests.length;
    assertEquals(await download(options), {
      fetched: [],
      present: ["config.json", "model.safetensors"],
    });
    assertEquals(hub.requests.length, before);

    // a file touched (new time, same bytes) is read once more, and its new time remembered
    const path = `${dir}/model.safetensors`;
    const touched = new Date(Date.now() - 60_000);
    await Deno.utime(path, touched, touched);
    assertEquals((await download(options)).fetched, []);
    const remembered = JSON.parse(await Deno.readTextFile(`${dir}/${VERIFIED_FILE}`));
    assertEquals(remembered["model.safetensors"].mtimeMs, touched.getTime());

    // the size and modification time remembered in .verified.json stand for the digest: a
    // file changed behind its back, same size, same time, is not read again...
    const { mtime } = await Deno.stat(path);
    const changed = WEIGHTS.slice();
    changed[0] ^= 1;
    await Deno.writeFile(path, changed);
    await Deno.utime(path, mtime!, mtime!);
    assertEquals((await download(options)).fetched, []);
    // ...but with a new time it is verified again, found wrong, and downloaded again
    await Deno.utime(path, new Date(), new Date());
    const { notes } = options.reporter as ReturnType<typeof notesReporter>;
    assertEquals((await download(options)).fetched, ["model.safetensors"]);
    assertStringIncludes(notes.join("\n"), "is not the expected file (SHA-256");
    await assertComplete(dir);
  });
});

Deno.test("download() replaces a file of the wrong size that sits at a final path", async () => {
  await withHub(undefined, async ({ dir, options, reporter }) => {
    await Deno.writeFile(`${dir}/model.safetensors`, WEIGHTS.slice(0, 10));
    assertEquals((await download(options)).fetched, ["config.json", "model.safetensors"]);
    assertStringIncludes(reporter.notes.join("\n"), "has 10 bytes, expected 262144");
    await assertComplete(dir);
  });
});

Deno.test("download() refuses a server file of another size before writing it", async () => {
  const bigger = new Uint8Array(WEIGHTS.length + 1);
  await withHub(() => new Response(bigger), async ({ dir, options }) => {
    await assertFails({ ...options, files: [TABLE[1]] }, "size", [
      "The server's model.safetensors has 262145 bytes, expected 262144",
    ]);
    assertEquals(await names(dir), []);
  });
});

Deno.test("download() stops a server that sends more bytes than the file has, keeping nothing", async () => {
  // streamed without a Content-Length, so only the bytes themselves tell
  const tooMany: Behaviour = () =>
    new Response(
      ReadableStream.from([WEIGHTS.slice(0, HALF), WEIGHTS.slice(HALF), new Uint8Array(1)]),
    );
  await withHub(tooMany, async ({ dir, options }) => {
    await assertFails({ ...options, files: [TABLE[1]] }, "size", [
      "The server sent more than the 262144 bytes of model.safetensors",
      "Nothing was kept.",
    ]);
    assertEquals(await names(dir), []);
  });
});

Deno.test("download() starts over when the server resumes at another byte than asked", async () => {
  const wrongPlace: Behaviour = (_name, nth) =>
    nth === 1
      ? new Response(WEIGHTS.slice(10), {
        status: 206,
        headers: { "content-range": `bytes 10-${WEIGHTS.length - 1}/${WEIGHTS.length}` },
      })
      : undefined;
  await withHub(wrongPlace, async ({ hub, dir, options, reporter }) => {
    await Deno.writeFile(`${dir}/model.safetensors.partial`, WEIGHTS.slice(0, HALF));
    await download({ ...options, files: [TABLE[1]], retries: 1 });
    assertEquals(await Deno.readFile(`${dir}/model.safetensors`), WEIGHTS);
    assertEquals(hub.requests.map((r) => r.range), [`bytes=${HALF}-`, null]);
    assertStringIncludes(reporter.notes[0], "resumed model.safetensors at the wrong place");
  });
});

Deno.test("progressReporter() draws a bar with bytes, speed and time left on a terminal", () => {
  let out = "", t = 0;
  const r = progressReporter({ isTerminal: true, write: (s) => (out += s) }, () => t);
  r.progress("model.safetensors", 0, 4_000_000);
  t = 1000;
  r.progress("model.safetensors", 1_000_000, 4_000_000);
  assertStringIncludes(out, "\r\x1b[Kmodel.safetensors [######------------------]  25% ");
  assertStringIncludes(out, "1.0 MB / 4.0 MB  1.0 MB/s  ETA 0:03");
  t = 4000;
  r.progress("model.safetensors", 4_000_000, 4_000_000);
  assertStringIncludes(out, "[########################] 100% 4.0 MB / 4.0 MB  1.0 MB/s  ETA 0:00");
  r.finished("model.safetensors");
  assert(out.endsWith("\r\x1b[Kmodel.safetensors: 4.0 MB, done (4.0 MB in 4.0 s)\n"), out);
});

Deno.test("progressReporter() prints a plain line every 10 % or 5 s elsewhere", () => {
  const lines: string[] = [];
  let t = 0;
  const r = progressReporter({ isTerminal: false, write: (s) => lines.push(s) }, () => t);
  r.progress("w", 0, 1000);
  r.progress("w", 50, 1000); // under 10 %, under 5 s: nothing
  t = 2000;
  r.progress("w", 150, 1000); // 10 % crossed
  t = 3000;
  r.progress("w", 160, 1000); // nothing
  t = 8000;
  r.progress("w", 170, 1000); // 5 s later
  r.note("a note");
  assertEquals(lines, [
    "w: 15% (150 B of 1.0 kB, 75 B/s, 0:11 left)\n",
    "w: 17% (170 B of 1.0 kB, 21 B/s, 0:39 left)\n",
    "a note\n",
  ]);
});

Deno.test("freeDiskBytes() reads df, and is undefined where df cannot answer", async () => {
  const free = await freeDiskBytes(Deno.cwd());
  assertEquals(typeof free, "number");
  assertGreater(free!, 0);
  assertEquals(await freeDiskBytes("/no/such/directory"), undefined);
});
