/**
 * gpt2-kit's library: a small PyTorch-shaped toolkit, enough to build GPT-2 and no more.
 *
 * - {@linkcode Tensor}: float32 n-d arrays with broadcasting, views, `matmul`, reductions.
 * - `nn`: `Module`, `ModuleList`, and reference layers (`Linear`, `Conv1D`, `Embedding`,
 *   `LayerNorm`, `GELU`, `Dropout`), with state dicts in PyTorch's words.
 * - `F`: functional ops, including the reference `scaledDotProductAttention`.
 * - safetensors reading/writing, GPT-2 configs, tokenizer files, a seeded RNG.
 *
 * @example
 * ```ts
 * import { F, nn, Tensor } from "./mod.ts";
 * class MLP extends nn.Module {
 *   c_fc = new nn.Conv1D(8, 32);
 *   c_proj = new nn.Conv1D(32, 8);
 *   forward(x: Tensor): Tensor {
 *     return this.c_proj.forward(F.gelu(this.c_fc.forward(x), "tanh"));
 *   }
 * }
 * new MLP().forward(Tensor.ones([1, 4, 8])).shape; // [1, 4, 8]
 * ```
 *
 * @module
 */
export * from "./lib/tensor.ts";
export * as nn from "./lib/nn.ts";
export * as F from "./lib/functional.ts";
export { extract, LoadStateDictError, Module, ModuleList } from "./lib/module.ts";
export type { StateDict } from "./lib/module.ts";
export * from "./lib/random.ts";
export * from "./lib/config.ts";
export * from "./lib/checkpoint.ts";
export * from "./lib/safetensors.ts";
export * from "./lib/tokenizer_files.ts";
export * from "./lib/todo.ts";
export { formatShape } from "./lib/shape.ts";
export type { Shape } from "./lib/shape.ts";
