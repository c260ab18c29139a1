import { assert, assertEquals, assertNotEquals } from "@std/assert";
import { Heap } from "./heap.ts";

Deno.test("`Heap.alloc()` reuses freed blocks and merges free neighbours", () => {
  const heap = new Heap(2 ** 20);
  const a = heap.alloc(1000), b = heap.alloc(1000), c = heap.alloc(1000);
  assert(a > 0 && b > a && c > b);
  assertEquals(a % 64, 0);
  heap.free(b);
  assertEquals(heap.alloc(900), b); // first fit: b's block again
  heap.free(a);
  heap.free(b);
  assertEquals(heap.alloc(2000), a); // a and b merged
  heap.free(c);
  heap.free(c); // freeing twice does nothing
});

Deno.test("`Heap.alloc()` grows the memory, and arrays made before stay valid", () => {
  const heap = new Heap(2 ** 20);
  const before = heap.floats(1000)!;
  before[999] = 7;
  const big = heap.alloc(8 * 2 ** 20);
  assert(big > 0 && heap.byteLength >= 9 * 2 ** 20);
  assertEquals(before[999], 7);
  assert(heap.holds(before) && heap.holds(heap.floats(1)!));
  assert(!heap.holds(new Float32Array(4)));
});

Deno.test("`Heap.floats()` gives zeros, also in a reused block", () => {
  const heap = new Heap(2 ** 20);
  const at = heap.alloc(400);
  new Float32Array(heap.buffer(), at, 100).fill(3);
  heap.free(at);
  const a = heap.floats(100)!;
  assertEquals(a.byteOffset, at);
  assertEquals([...a], new Array(100).fill(0));
});

Deno.test("`Heap.floats()` gives zeros in a block that starts in reused memory and ends past it", () => {
  const heap = new Heap(2 ** 20);
  const at = heap.alloc(400);
  new Float32Array(heap.buffer(), at, 100).fill(3);
  heap.free(at);
  // larger than the freed block: it runs on into memory no block has reached
  const a = heap.floats(1000)!;
  assertEquals(a.byteOffset, at);
  assertEquals([...a], new Array(1000).fill(0));
  a.fill(4);
  const b = heap.floats(50)!;
  assertEquals([...b], new Array(50).fill(0));
});

Deno.test("a collected array frees its block; a view from `Heap.subarray()` keeps it", async () => {
  const script = `
    import { Heap } from "./lib/kernels/heap.ts";
    const heap = new Heap(2 ** 20);
    const settle = async () => { for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 10)); } };
    let a = heap.floats(100); const at = a.byteOffset; a = null;
    await settle();
    const freed = heap.floats(100).byteOffset === at;
    let b = heap.floats(100); b.fill(5); const view = heap.subarray(b, 10, 20); const atB = b.byteOffset; b = null;
    await settle();
    const kept = heap.floats(100).byteOffset !== atB && view.every((x) => x === 5);
    console.log(JSON.stringify({ freed, kept }));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--v8-flags=--expose-gc", script],
    cwd: new URL("../..", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(new TextDecoder().decode(out.stderr), "");
  assertEquals(JSON.parse(new TextDecoder().decode(out.stdout)), { freed: true, kept: true });
});

Deno.test("`Heap.alloc()` answers 0 past what a 32-bit memory can hold", () => {
  const heap = new Heap(2 ** 20);
  assertEquals(heap.alloc(5 * 2 ** 30), 0);
  assertNotEquals(heap.alloc(64), 0);
});
