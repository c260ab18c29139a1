/**
 * `deno task studio`: one local page that shows your own GPT-2 beside the reference — the
 * grader's results, your tokens, embeddings and attention, where your numbers diverge, and
 * your model generating in the browser — refreshed every time you save.
 *
 * ```
 * deno task studio [--port N] [--solutions | --exercises DIR] [--model tiny|gpt2]
 *   [--weights FILE --config FILE [--refs FILE]] [--poll]
 * ```
 *
 * The server listens on 127.0.0.1 only; your code runs in the grader's sandbox, never in the
 * server's process.
 *
 * @module
 */
import { kitPath } from "../lib/paths.ts";
import { absolute, selectModel, solutionsDir } from "../grader/context.ts";
import { StudioSession } from "../studio/session.ts";
import { serveStudio } from "../studio/server.ts";
import { parseCommandLine, runTool, UsageError } from "./_cli.ts";
import { watchChanges } from "./_file_changes.ts";

const USAGE = `Usage: deno task studio [options]

Serves a page on this computer (127.0.0.1) that shows your model beside the reference: the
grader's results, your tokens, embeddings and attention, where your numbers diverge from the
reference, and your GPT-2 generating in the browser. It follows your saves. Ctrl-C stops it.

Options:
  --port N             the port (default: a free one)
  --solutions          show the reference solutions instead of exercises/
  --exercises DIR      show the stage files in DIR
  --model tiny|gpt2    the bundled tiny model, or the real GPT-2 after \`deno task setup\`
                       (default: gpt2 when set up, else tiny)
  --weights FILE --config FILE
                       other weights; add --refs FILE (\`deno task refs\`) to grade on them
  --poll               look at the files' modification times every second instead of waiting
                       for file-system events
  --help               this text`;

const OPTIONS = {
  port: { type: "string", default: "0" },
  solutions: { type: "boolean", default: false },
  exercises: { type: "string" },
  model: { type: "string" },
  weights: { type: "string" },
  config: { type: "string" },
  refs: { type: "string" },
  poll: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} as const;

async function main(): Promise<number> {
  const { values: v } = parseCommandLine(Deno.args, OPTIONS, 0);
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const port = Number(v.port);
  if (!/^\d+$/.test(v.port) || port > 65535) {
    throw new UsageError(`--port takes a port number (0 for a free one), not "${v.port}".`);
  }
  if (v.solutions && v.exercises) throw new UsageError("Use --solutions or --exercises, not both.");
  const files = selectModel(v, v.refs !== undefined || v.weights === undefined);
  const learnerDir = v.solutions
    ? solutionsDir()
    : v.exercises !== undefined
    ? absolute(v.exercises)
    : kitPath("exercises");
  const session = new StudioSession({ learnerDir, files });
  const server = await serveStudio(session, port);
  console.log(`Studio: ${server.url}  (Ctrl-C stops it)`);
  session.regrade();
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  Deno.addSignalListener("SIGINT", onInterrupt);
  const watching = await watchChanges({
    dir: learnerDir,
    signal: stop.signal,
    poll: v.poll,
    onPolling: (reason) => console.log(`Now checking the files every second: ${reason}.`),
  }, () => session.filesChanged());
  await watching.stopped;
  Deno.removeSignalListener("SIGINT", onInterrupt);
  // an open page keeps its connection: stop waiting for it after a moment
  await Promise.race([server.shutdown(), new Promise((resolve) => setTimeout(resolve, 1000))]);
  session.close();
  console.log("Studio stopped.");
  return 0;
}

if (import.meta.main) await runTool(USAGE, main);
