/**
 * The studio's web server: one page, its own assets and the JSON API the page needs, on
 * 127.0.0.1 only.
 *
 * Nothing in a URL reaches the file system: every asset is read at start from a fixed list
 * (or, for onnxruntime's WebAssembly, on first use from a fixed path), and a model's files are
 * looked up by exact name in what the studio exported. A request for anything else, from
 * another host name (a DNS-rebinding page) or a cross-site form, gets 404; a request the
 * studio cannot serve gets a one-line JSON error, never a stack trace.
 *
 * @module
 */
import { kitPath, relative } from "../lib/paths.ts";
import type { GenerateModel, SessionView } from "./api.ts";
import { attentionView } from "./attention.ts";
import { divergenceView } from "./divergence.ts";
import { embeddingsView } from "./embeddings.ts";
import { ModelStore } from "./models.ts";
import { MAX_ATTENTION_TOKENS, type StudioSession } from "./session.ts";
import { stagesView } from "./stages.ts";
import { decodeIds, encodeView, tokensView } from "./tokens.ts";

/** A request the page should not have made: answered 400 with the message. */
export class BadRequest extends Error {
  /** @param message what is wrong with the request */
  constructor(message: string) {
    super(message);
    this.name = "BadRequest";
  }
}

/** A file the server sends as it is. */
interface Asset {
  /** Its content type. */
  type: string;
  /** Reads it (once). */
  read: () => Promise<Uint8Array<ArrayBuffer>>;
}

const ORT_DIST = kitPath("node_modules", "onnxruntime-web", "dist");

function file(path: string, type: string): Asset {
  let bytes: Promise<Uint8Array<ArrayBuffer>> | undefined;
  return { type, read: () => bytes ??= Deno.readFile(path) };
}

/** Every asset the page uses, by URL path. Nothing else is read from disk. */
const ASSETS: Record<string, Asset> = {
  "/": file(kitPath("studio", "assets", "index.html"), "text/html; charset=utf-8"),
  "/studio.css": file(kitPath("studio", "assets", "studio.css"), "text/css; charset=utf-8"),
  "/studio.js": file(kitPath("studio", "assets", "studio.js"), "text/javascript; charset=utf-8"),
  "/vendor/ort.webgpu.bundle.min.mjs": file(
    `${ORT_DIST}/ort.webgpu.bundle.min.mjs`,
    "text/javascript; charset=utf-8",
  ),
  "/vendor/ort-wasm-simd-threaded.asyncify.wasm": file(
    `${ORT_DIST}/ort-wasm-simd-threaded.asyncify.wasm`,
    "application/wasm",
  ),
};

/** What the page may run and load: its own scripts and onnxruntime's WebAssembly, nothing else. */
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
    "style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; " +
    "base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

/** The largest request body the API reads, in bytes. */
const MAX_BODY = 64 * 1024;

function respond(body: BodyInit | null, status: number, type: string): Response {
  return new Response(body, { status, headers: { "content-type": type, ...SECURITY_HEADERS } });
}

function json(value: unknown, status = 200): Response {
  return respond(JSON.stringify(value), status, "application/json; charset=utf-8");
}

function notFound(): Response {
  return respond("Not found\n", 404, "text/plain; charset=utf-8");
}

async function body(req: Request): Promise<Record<string, unknown>> {
  if (Number(req.headers.get("content-length")) > MAX_BODY) {
    throw new BadRequest(`The request is over ${MAX_BODY} bytes`);
  }
  const text = await req.text();
  if (text.length > MAX_BODY) throw new BadRequest(`The request is over ${MAX_BODY} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequest("The request is not JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new BadRequest("The request should be a JSON object");
  }
  return value as Record<string, unknown>;
}

// A string field of a request, at most `max` characters long.
function stringField(o: Record<string, unknown>, key: string, max: number): string {
  const v = o[key];
  if (typeof v !== "string") throw new BadRequest(`"${key}" should be a string`);
  if (v.length > max) throw new BadRequest(`"${key}" is longer than ${max} characters`);
  return v;
}

function stringList(
  o: Record<string, unknown>,
  key: string,
  max: number,
  maxLength: number,
): string[] {
  const v = o[key];
  if (!Array.isArray(v) || v.length === 0 || v.length > max) {
    throw new BadRequest(`"${key}" should be a list of 1 to ${max} strings`);
  }
  return v.map((_, i) =>
    stringField(v as unknown as Record<string, unknown>, String(i), maxLength)
  );
}

function generateModel(o: Record<string, unknown>): GenerateModel {
  if (o.model !== "studio" && o.model !== "english") {
    throw new BadRequest('"model" should be "studio" or "english"');
  }
  return o.model;
}

function idLists(o: Record<string, unknown>, key: string): number[][] {
  const v = o[key];
  const ok = Array.isArray(v) && v.length <= 64 &&
    v.every((ids) =>
      Array.isArray(ids) && ids.length <= 4096 && ids.every((id) => Number.isInteger(id))
    );
  if (!ok) throw new BadRequest(`"${key}" should be a list of lists of integers`);
  return v as number[][];
}

type Route = (req: Request) => Promise<Response> | Response;

/**
 * The studio's request handler.
 *
 * @param session the studio's state
 * @param origin the page's origin, e.g. `http://127.0.0.1:8123`
 * @returns the handler
 */
export function studioHandler(
  session: StudioSession,
  origin: string,
): (req: Request) => Promise<Response> {
  const models = new ModelStore(session);
  const hosts = new Set([new URL(origin).host, `localhost:${new URL(origin).port}`]);
  const get: Record<string, Route> = {
    "/api/session": () =>
      json(
        {
          model: session.options.files.model,
          config: session.config,
          learnerDir: relative(session.options.learnerDir),
          stages: session.stages.map((s) => ({
            number: s.number,
            name: s.name,
            file: s.file,
            hint: s.hints[0],
          })),
          maxAttentionTokens: MAX_ATTENTION_TOKENS,
          generateModels: models.models(),
        } satisfies SessionView,
      ),
    "/api/status": () => json(session.status()),
    "/api/stages": () => json(stagesView(session)),
    "/api/divergence": () => json(divergenceView(session)),
  };
  const post: Record<string, Route> = {
    "/api/tokens": async (req) =>
      json(await tokensView(session, stringList(await body(req), "texts", 16, 2000))),
    "/api/embeddings": async (req) =>
      json(await embeddingsView(session, stringList(await body(req), "words", 16, 64))),
    "/api/attention": async (req) =>
      json(await attentionView(session, stringField(await body(req), "prompt", 2000))),
    "/api/model": async (req) => json(await models.export(generateModel(await body(req)))),
    "/api/encode": async (req) =>
      json(await encodeView(session, stringField(await body(req), "text", 2000))),
    "/api/decode": async (req) => json({ texts: idLists(await body(req), "ids").map(decodeIds) }),
  };
  return async (req) => {
    if (!hosts.has(req.headers.get("host") ?? "")) return notFound();
    const { pathname } = new URL(req.url);
    try {
      if (req.method === "GET") {
        const asset = Object.hasOwn(ASSETS, pathname) ? ASSETS[pathname] : undefined;
        if (asset) return respond(await asset.read(), 200, asset.type);
        if (Object.hasOwn(get, pathname)) return await get[pathname](req);
        const model = models.file(pathname);
        if (model) return respond(model, 200, "application/octet-stream");
      }
      if (req.method === "POST" && Object.hasOwn(post, pathname)) {
        const sameSite = (req.headers.get("origin") ?? origin) === origin;
        const isJson = req.headers.get("content-type")?.startsWith("application/json");
        if (sameSite && isJson) return await post[pathname](req);
      }
      return notFound();
    } catch (e) {
      if (e instanceof BadRequest) return json({ error: e.message }, 400);
      const message = (e as Error)?.message?.split("\n")[0] ?? String(e);
      console.error(`studio: ${req.method} ${pathname} failed: ${message}`);
      return json({ error: `The studio could not answer: ${message}` }, 500);
    }
  };
}

/** A running studio server. */
export interface StudioServer {
  /** The page's address. */
  url: string;
  /** The address it listens on (always 127.0.0.1). */
  hostname: string;
  /** Stops the server. */
  shutdown(): Promise<void>;
}

/**
 * Starts the studio's server on 127.0.0.1.
 *
 * @param session the studio's state
 * @param port the port (0: a free one)
 * @returns the server, listening
 */
export function serveStudio(session: StudioSession, port: number): Promise<StudioServer> {
  return new Promise((resolve, reject) => {
    let handler: (req: Request) => Promise<Response> = () => Promise.resolve(notFound());
    try {
      const server = Deno.serve({
        hostname: "127.0.0.1",
        port,
        onListen: ({ hostname, port }) => {
          const url = `http://127.0.0.1:${port}/`;
          handler = studioHandler(session, url.slice(0, -1));
          resolve({ url, hostname, shutdown: () => server.shutdown() });
        },
        onError: () => json({ error: "The studio could not answer" }, 500),
      }, (req) => handler(req));
    } catch (e) {
      reject(e);
    }
  });
}
