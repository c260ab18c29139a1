/**
 * `nn`: modules and layers, as `torch.nn`.
 *
 * @module
 */
export * from "./module.ts";
export * from "./layers.ts";
