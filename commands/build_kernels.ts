/**
 * `deno task build-kernels`: assembles the library's WebAssembly kernels from their source,
 * `lib/kernels/kernels.wat`, with the npm `wabt` assembler.
 *
 * ```
 * deno task build-kernels           # rewrite lib/kernels/kernels.wasm and kernels_simd128.wasm
 * deno task build-kernels --check   # exit 1 when the committed binaries differ from the source
 * ```
 *
 * Two binaries come out of the one source: `kernels.wasm` as written (relaxed-SIMD fused
 * multiply-adds) and `kernels_simd128.wasm` for engines without relaxed SIMD, where each
 * `f32x4.relaxed_madd` becomes a multiply and an add. The binaries are committed, so that the
 * kit runs without the assembler; a test checks that they match the source.
 *
 * @module
 */
import initWabt from "wabt";
import { checkOrWrite, runTool } from "./_cli.ts";
import { writeFileAtomic } from "./_files.ts";

const USAGE = `Usage: deno task build-kernels [--check]

Assembles lib/kernels/kernels.wat into lib/kernels/kernels.wasm (relaxed SIMD) and
lib/kernels/kernels_simd128.wasm (SIMD without the relaxed fused multiply-add).

Options:
  --check   write nothing; exit 1 when the committed binaries differ from the source
  --help    this text`;

/** The kernels' WebAssembly text. */
export const KERNELS_SOURCE: URL = new URL("../lib/kernels/kernels.wat", import.meta.url);

/** Where each build of the kernels goes. */
export const KERNELS_BINARIES: { relaxed: URL; simd128: URL } = {
  relaxed: new URL("../lib/kernels/kernels.wasm", import.meta.url),
  simd128: new URL("../lib/kernels/kernels_simd128.wasm", import.meta.url),
};

const FEATURES = { simd: true, relaxed_simd: true, threads: true };

// The end of the s-expression that opens at `text[open]` (a "("), just past its ")".
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return i + 1;
  }
  throw new SyntaxError(`Unbalanced parentheses from offset ${open} of the kernels' source`);
}

/**
 * Rewrites every `(f32x4.relaxed_madd X Y Z)` as `(f32x4.add (f32x4.mul X Y) Z)`, for engines
 * without relaxed SIMD (same result up to the rounding of the product).
 *
 * @param wat WebAssembly text whose operands of `f32x4.relaxed_madd` are s-expressions
 * @returns the text without relaxed-SIMD instructions
 * @example
 * ```ts
 * import { withoutRelaxedMadd } from "./build_kernels.ts";
 * withoutRelaxedMadd("(f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2))");
 * // "(f32x4.add (f32x4.mul (local.get 0) (local.get 1)) (local.get 2))"
 * ```
 */
export function withoutRelaxedMadd(wat: string): string {
  const head = "(f32x4.relaxed_madd";
  const at = wat.indexOf(head);
  if (at < 0) return wat;
  const operands: string[] = [];
  let p = at + head.length;
  for (let n = 0; n < 3; n++) {
    const open = wat.indexOf("(", p);
    if (open < 0 || wat.slice(p, open).trim() !== "") {
      throw new SyntaxError(
        `The operands of f32x4.relaxed_madd at offset ${at} must be s-expressions`,
      );
    }
    p = closing(wat, open);
    operands.push(withoutRelaxedMadd(wat.slice(open, p)));
  }
  const end = wat.indexOf(")", p) + 1;
  const [x, y, z] = operands;
  return `${wat.slice(0, at)}(f32x4.add (f32x4.mul ${x} ${y}) ${z})${
    withoutRelaxedMadd(wat.slice(end))
  }`;
}

/**
 * Assembles the kernels' text into both binaries.
 *
 * @param wat the WebAssembly text
 * @returns the relaxed-SIMD binary and the plain-SIMD one
 * @throws {Error} with wabt's messages when the text does not assemble or validate
 */
export async function assembleKernels(
  wat: string,
): Promise<{ relaxed: Uint8Array<ArrayBuffer>; simd128: Uint8Array<ArrayBuffer> }> {
  const wabt = await initWabt();
  const assemble = (text: string) => {
    const module = wabt.parseWat("kernels.wat", text, FEATURES);
    try {
      module.resolveNames();
      // wabt's validate takes the features too, though its typings omit them
      (module as unknown as { validate(features: typeof FEATURES): void }).validate(FEATURES);
      return Uint8Array.from(module.toBinary({}).buffer);
    } finally {
      module.destroy();
    }
  };
  return { relaxed: assemble(wat), simd128: assemble(withoutRelaxedMadd(wat)) };
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function main(): Promise<number> {
  const mode = checkOrWrite(Deno.args, USAGE);
  if (mode === undefined) return 0;
  const built = await assembleKernels(await Deno.readTextFile(KERNELS_SOURCE));
  let stale = 0;
  for (const kind of ["relaxed", "simd128"] as const) {
    const path = KERNELS_BINARIES[kind].pathname;
    if (mode === "check") {
      const committed = await Deno.readFile(path).catch(() => new Uint8Array());
      if (!same(committed, built[kind])) {
        console.error(
          `${path} does not match lib/kernels/kernels.wat: run deno task build-kernels`,
        );
        stale++;
      }
    } else {
      await writeFileAtomic(path, built[kind]);
      console.log(`Wrote ${path} (${built[kind].length} bytes)`);
    }
  }
  return stale ? 1 : 0;
}

if (import.meta.main) await runTool(USAGE, main);
