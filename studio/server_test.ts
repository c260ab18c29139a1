// The studio's server: 127.0.0.1 only, its own assets and API only, no path from a URL to the
// file system, 404 for what it does not expect, errors in one line without a stack trace.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { kitPath } from "../lib/paths.ts";
import { TINY } from "../grader/context.ts";
import { serveStudio, type StudioServer } from "./server.ts";
import { StudioSession } from "./session.ts";

async function withServer(
  fn: (server: StudioServer, port: number) => Promise<void>,
  files = TINY,
): Promise<void> {
  using session = new StudioSession({ learnerDir: kitPath("exercises"), files });
  const server = await serveStudio(session, 0);
  try {
    await fn(server, Number(new URL(server.url).port));
  } finally {
    await server.shutdown();
  }
}

/** Sends a request exactly as written (no URL normalisation) and reads the whole answer. */
async function raw(port: number, request: string): Promise<{ status: number; text: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(request));
  const text = await new Response(conn.readable).text();
  return { status: Number(text.match(/^HTTP\/1\.1 (\d+)/)?.[1] ?? 0), text };
}

function get(port: number, target: string, host = `127.0.0.1:${port}`) {
  return raw(port, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
}

function post(port: number, path: string, body: string, headers: Record<string, string> = {}) {
  const all = { "content-type": "application/json", ...headers };
  const lines = Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  return raw(
    port,
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${lines}Content-Length: ` +
      `${new TextEncoder().encode(body).length}\r\nConnection: close\r\n\r\n${body}`,
  );
}

const NO_STACK = /^\s+at /m;

Deno.test("the studio listens on 127.0.0.1 and serves its page and assets", async () => {
  await withServer(async (server, port) => {
    assertEquals(server.hostname, "127.0.0.1");
    assertMatch(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const path of ["/", "/studio.js", "/studio.css", "/vendor/ort.webgpu.bundle.min.mjs"]) {
      const res = await fetch(`${server.url.slice(0, -1)}${path}`);
      assertEquals(res.status, 200, path);
      assertStringIncludes(res.headers.get("content-security-policy") ?? "", "default-src 'self'");
      await res.body?.cancel();
    }
    const session = await (await fetch(`${server.url}api/session`)).json();
    assertEquals(session.model, "tiny");
    assertEquals((await get(port, "/api/status")).status, 200);
  });
});

Deno.test("no path from a URL reaches the file system: .., %2e%2e and absolute paths get 404", async () => {
  await withServer(async (_server, port) => {
    const targets = [
      "/../deno.json",
      "/%2e%2e/deno.json",
      "/%2e%2e%2fdeno.json",
      "/%2E%2E/%2E%2E/etc/passwd",
      "/vendor/../../deno.json",
      "/vendor/%2e%2e/%2e%2e/deno.json",
      "/vendor/..%2f..%2fdeno.json",
      "/studio.js/../../deno.json",
      "/etc/passwd",
      "//etc/passwd",
      `/${kitPath("deno.json")}`,
      "/deno.json",
      "/studio/assets/index.html",
      "/node_modules/onnxruntime-web/package.json",
      "/api/model/00000000-0000-0000-0000-000000000000/..%2f..%2fdeno.json",
      "/api/model/../../deno.json",
      `http://127.0.0.1:${port}/../deno.json`,
    ];
    for (const target of targets) {
      const { status, text } = await get(port, target);
      assertEquals(status, 404, target);
      assert(!text.includes('"tasks"') && !text.includes("root:"), `${target} leaked a file`);
      assertStringIncludes(text, "Not found", target);
    }
  });
});

Deno.test("unexpected requests get 404: other methods, other hosts, cross-site posts", async () => {
  await withServer(async (_server, port) => {
    const methods = ["PUT /", "DELETE /api/stages", "POST /api/stages", "GET /api/tokens"];
    for (const m of methods) {
      const [method, path] = m.split(" ");
      const res = await raw(
        port,
        `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
          "Content-Length: 2\r\nConnection: close\r\n\r\n{}",
      );
      assertEquals(res.status, 404, m);
    }
    // a page of another site, resolved to 127.0.0.1 (DNS rebinding)
    assertEquals((await get(port, "/api/session", `evil.example:${port}`)).status, 404);
    // a form of another site cannot send JSON, and its origin is not ours
    const texts = JSON.stringify({ texts: ["cat"] });
    assertEquals(
      (await post(port, "/api/tokens", texts, { "content-type": "text/plain" })).status,
      404,
    );
    const foreign = await post(port, "/api/tokens", texts, { origin: "http://evil.example" });
    assertEquals(foreign.status, 404);
  });
});

Deno.test("bad requests are told what is wrong in one line, never with a stack trace", async () => {
  await withServer(async (_server, port) => {
    const cases: [string, string, string][] = [
      ["/api/tokens", "{not json", "not JSON"],
      ["/api/tokens", "[1, 2]", "JSON object"],
      ["/api/tokens", JSON.stringify({ texts: "cat" }), "should be a list of 1 to 16"],
      ["/api/tokens", JSON.stringify({ texts: ["x".repeat(3000)] }), "longer than 2000"],
      ["/api/embeddings", JSON.stringify({ words: [] }), "should be a list of 1 to 16"],
      ["/api/decode", JSON.stringify({ ids: [[1.5]] }), "lists of integers"],
      ["/api/model", JSON.stringify({ model: "../gpt2" }), 'should be \\"studio'],
      ["/api/attention", JSON.stringify({ prompt: "x".repeat(70_000) }), "over 65536 bytes"],
    ];
    for (const [path, body, says] of cases) {
      const { status, text } = await post(port, path, body);
      assertEquals(status, 400, `${path} ${body.slice(0, 20)}`);
      assertStringIncludes(text, says);
      assert(!NO_STACK.test(text), text);
    }
  });
});

Deno.test("a request the studio cannot answer gets one line of JSON, not a stack trace", async () => {
  const broken = { ...TINY, weightsPath: kitPath(".cache", "no-such-model.safetensors") };
  await withServer(async (_server, port) => {
    const { status, text } = await post(port, "/api/attention", JSON.stringify({ prompt: "Hi" }));
    assertEquals(status, 500);
    const body = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4));
    assertStringIncludes(body.error, "no-such-model.safetensors");
    assert(!body.error.includes("\n") && !NO_STACK.test(text), text);
  }, broken);
});
