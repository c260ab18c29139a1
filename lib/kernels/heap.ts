/**
 * The WebAssembly kernels' memory: one shared `WebAssembly.Memory` that the kernels, their
 * threads and the library's long-lived tensors (weights read from a checkpoint) all see.
 *
 * A kernel can only read what lies in its memory, and copying a 154 MB weight matrix in for
 * every product would cost as much as the product. So weights are read from disk straight into
 * blocks of this memory ({@linkcode Heap.floats}) and multiplied where they lie; everything
 * else (activations) stays in ordinary `Float32Array`s and is copied into a scratch block for
 * each product, which is cheap beside it.
 *
 * A block handed out as a `Float32Array` is freed when that array is garbage-collected (a
 * `FinalizationRegistry`). The memory is shared (backed by a `SharedArrayBuffer`), so growing
 * it never detaches the arrays made before.
 *
 * @module
 */

/** WebAssembly's page size, in bytes. */
const PAGE = 65536;
/** The largest memory a 32-bit WebAssembly module can address, in pages (4 GiB). */
const MAX_PAGES = 65536;
/** Every block starts at a multiple of this many bytes (a cache line). */
const ALIGN = 64;
/**
 * Bytes after every block that a kernel may read past the end of a row (and must not fault
 * on): the kernels read whole 16-byte vectors.
 */
const SLACK = 64;

interface Block {
  at: number;
  size: number;
}

/** First-fit allocator over one shared `WebAssembly.Memory`. */
export class Heap {
  /** The memory, to import into the kernels' instances (on every thread). */
  readonly memory: WebAssembly.Memory;
  // free blocks, sorted by address; `used` maps an allocated block's address to its size
  #free: Block[] = [];
  #used = new Map<number, number>();
  // every SharedArrayBuffer `memory.buffer` has returned (a new one after each growth)
  #buffers = new WeakSet<ArrayBufferLike>();
  #registry = new FinalizationRegistry<number>((at) => this.free(at));
  // a view made by `subarray` -> the array whose block it lies in, kept alive while it lives
  #owners = new WeakMap<Float32Array, Float32Array>();
  // no block has ever reached past this address: the memory from here on is still zeros
  #untouched = PAGE;
  // the scratch block (see `scratch`): its address and size, 0 before the first
  #scratchAt = 0;
  #scratchBytes = 0;

  /**
   * Makes a shared memory, with room for `initialBytes` at once (it grows as blocks need).
   *
   * @param initialBytes memory to reserve at once
   * @throws {RangeError} when the engine cannot make a shared memory
   */
  constructor(initialBytes = 16 * 2 ** 20) {
    const pages = Math.max(1, Math.ceil(initialBytes / PAGE));
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
    // page 0 stays unused, so that address 0 is never a block
    this.#free.push({ at: PAGE, size: pages * PAGE - PAGE });
  }

  /** Bytes the memory holds now (allocated or not). */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Reserves a block; the caller frees it.
   *
   * @param bytes its size
   * @returns its address, or 0 when the memory cannot grow that far
   */
  alloc(bytes: number): number {
    const size = Math.ceil((bytes + SLACK) / ALIGN) * ALIGN;
    let i = this.#free.findIndex((b) => b.size >= size);
    if (i < 0 && !this.#grow(size)) return 0;
    if (i < 0) i = this.#free.findIndex((b) => b.size >= size);
    const block = this.#free[i];
    const at = block.at;
    if (block.size === size) this.#free.splice(i, 1);
    else {
      block.at += size;
      block.size -= size;
    }
    this.#used.set(at, size);
    this.#untouched = Math.max(this.#untouched, at + size);
    return at;
  }

  /**
   * The scratch block: one block that every kernel call needing room for its operands reuses,
   * grown as needed (to at least twice its size) and never shrunk. What it holds lasts until the
   * next call that asks for it.
   *
   * @param bytes the room needed
   * @returns its address
   * @throws {RangeError} when the memory cannot grow that far
   */
  scratch(bytes: number): number {
    if (bytes > this.#scratchBytes) {
      if (this.#scratchAt) this.free(this.#scratchAt);
      this.#scratchBytes = Math.max(bytes, 2 * this.#scratchBytes);
      this.#scratchAt = this.alloc(this.#scratchBytes);
      if (this.#scratchAt === 0) {
        this.#scratchBytes = 0;
        throw new RangeError(`Cannot reserve ${bytes} bytes of WebAssembly memory for a kernel`);
      }
    }
    return this.#scratchAt;
  }

  /**
   * Returns a block to the free list (merging it with free neighbours).
   *
   * @param at the address {@linkcode Heap.alloc} gave
   */
  free(at: number): void {
    const size = this.#used.get(at);
    if (size === undefined) return;
    this.#used.delete(at);
    const free = this.#free;
    let i = free.findIndex((b) => b.at > at);
    if (i < 0) i = free.length;
    free.splice(i, 0, { at, size });
    const next = free[i + 1];
    if (next && at + size === next.at) {
      free[i].size += next.size;
      free.splice(i + 1, 1);
    }
    const prev = free[i - 1];
    if (prev && prev.at + prev.size === at) {
      prev.size += free[i].size;
      free.splice(i, 1);
    }
  }

  /**
   * A new `Float32Array` of `n` zeros inside the memory, freed when the array is collected.
   *
   * @param n the number of floats
   * @returns the array, or null when the memory cannot grow that far
   */
  floats(n: number): Float32Array | null {
    const untouched = this.#untouched;
    const at = this.alloc(4 * n);
    if (at === 0) return null;
    const array = new Float32Array(this.buffer(), at, n);
    // a reused block holds old values; memory no block has reached is zeros already, and
    // writing zeros there would only fault in every page before the caller's own writes do
    if (at < untouched) array.fill(0, 0, Math.min(n, (untouched - at) / 4));
    this.#registry.register(array, at);
    return array;
  }

  /**
   * `array.subarray(begin, end)` that keeps the block of `array` from being freed while the
   * view lives (a plain `subarray` of a block's array does not: the block would be reused
   * under it once the array is collected).
   *
   * @param array an array made by {@linkcode Heap.floats} or by this method (or any other)
   * @param begin first element
   * @param end bound, exclusive
   * @returns the view
   */
  subarray(array: Float32Array, begin: number, end: number): Float32Array {
    const view = array.subarray(begin, end);
    if (this.holds(array)) this.#owners.set(view, this.#owners.get(array) ?? array);
    return view;
  }

  /**
   * The memory's current buffer, remembered so that {@linkcode Heap.holds} knows its arrays.
   *
   * @returns `memory.buffer`
   */
  buffer(): SharedArrayBuffer {
    const buffer = this.memory.buffer as SharedArrayBuffer;
    this.#buffers.add(buffer);
    return buffer;
  }

  /**
   * Whether an array's elements lie in this memory (so that a kernel can read them in place).
   *
   * @param array any typed array
   * @returns true for arrays made by {@linkcode Heap.floats} or views of them
   */
  holds(array: ArrayBufferView): boolean {
    return this.#buffers.has(array.buffer);
  }

  #grow(size: number): boolean {
    const pages = Math.ceil(size / PAGE);
    const oldBytes = this.memory.buffer.byteLength;
    try {
      this.memory.grow(pages);
    } catch {
      return false; // past the maximum, or out of address space
    }
    const last = this.#free.at(-1);
    if (last && last.at + last.size === oldBytes) last.size += pages * PAGE;
    else this.#free.push({ at: oldBytes, size: pages * PAGE });
    return true;
  }
}
