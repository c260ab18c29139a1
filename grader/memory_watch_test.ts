import { assert, assertGreater, assertLess } from "@std/assert";
import { SAMPLE_MS, watchMemory } from "./memory_watch.ts";

/** A process that holds `mb` MiB of touched memory for `seconds`. */
function holding(mb: number, seconds: number): Deno.ChildProcess {
  const code = `const a = new Uint8Array(${mb} << 20); a.fill(1); ` +
    `await new Promise((r) => setTimeout(r, ${seconds * 1000})); console.log(a[5]);`;
  return new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "null",
    stderr: "null",
  }).spawn();
}

Deno.test("watchMemory samples a process's resident memory about every 100 ms, in MiB", async () => {
  const child = holding(300, 1.5);
  const samples: number[] = [];
  const watch = watchMemory(child.pid, (mb) => samples.push(mb));
  await child.status;
  await watch.stop();
  assertGreater(samples.length, 500 / SAMPLE_MS, `samples: ${samples.join(", ")}`);
  assertGreater(Math.max(...samples), 300, "the held 300 MiB are seen");
  assertLess(Math.max(...samples), 1024);
});

Deno.test("watchMemory stops on request, before its process ends, and samples nothing after", async () => {
  const child = holding(10, 5);
  let samples = 0;
  const watch = watchMemory(child.pid, () => samples++);
  await new Promise((r) => setTimeout(r, 350));
  await watch.stop();
  const seen = samples;
  await new Promise((r) => setTimeout(r, 300));
  assert(seen > 0, "sampled while it ran");
  assert(samples === seen, "no sample after stop()");
  child.kill("SIGKILL");
  await child.status;
});

Deno.test("watchMemory of a process that is gone ends on its own", async () => {
  const child = new Deno.Command("true").spawn();
  await child.status;
  const watch = watchMemory(child.pid, () => {});
  await watch.stop(); // resolves: nothing left running
});
