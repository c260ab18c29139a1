import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertStrictEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  extract,
  LoadResult,
  LoadStateDictError,
  Module,
  ModuleList,
  type StateDict,
} from "./module.ts";
import { Tensor } from "./tensor.ts";

// A miniature GPT-2 tree with the checkpoint's names.
class Norm extends Module {
  weight: Tensor;
  bias: Tensor;
  constructor(n: number) {
    super();
    this.weight = Tensor.ones([n]);
    this.bias = Tensor.zeros([n]);
  }
}

class Attn extends Module {
  notes = { weight: Tensor.zeros([4, 12]) }; // a plain object: neither parameter nor module
  w = Tensor.zeros([4, 12]);
  constructor() {
    super();
    this.registerBuffer("bias", Tensor.ones([1, 1, 3, 3]));
  }
}

class Block extends Module {
  ln_1 = new Norm(4);
  attn = new Attn();
}

class Tiny extends Module {
  wte = Tensor.zeros([10, 4]);
  wpe = Tensor.zeros([8, 4]);
  h = new ModuleList([new Block(), new Block()]);
  ln_f = new Norm(4);
}

const TINY_KEYS = [
  "wte",
  "wpe",
  "h.0.ln_1.weight",
  "h.0.ln_1.bias",
  "h.0.attn.w",
  "h.0.attn.bias",
  "h.1.ln_1.weight",
  "h.1.ln_1.bias",
  "h.1.attn.w",
  "h.1.attn.bias",
  "ln_f.weight",
  "ln_f.bias",
];

/** A state dict with every key of `m`, each a fresh tensor of the right shape filled with `v`. */
function filled(m: Module, v: number): StateDict {
  return Object.fromEntries(
    Object.entries(m.stateDict()).map(([k, t]) => [k, Tensor.full(t.shape, v)]),
  );
}

/** The error thrown by `fn`, which must be a LoadStateDictError. */
function loadError(fn: () => unknown): LoadStateDictError {
  return assertThrows(fn, LoadStateDictError);
}

Deno.test("parameters, buffers and submodules are found from fields in assignment order", () => {
  const m = new Tiny();
  assertEquals(Object.keys(m.stateDict()), TINY_KEYS);
  assertEquals(
    m.namedParameters().map(([k]) => k),
    TINY_KEYS.filter((k) => !k.endsWith("attn.bias")),
  );
  assertEquals(m.namedBuffers().map(([k]) => k), ["h.0.attn.bias", "h.1.attn.bias"]);
  assertEquals(m.namedChildren().map(([k]) => k), ["h", "ln_f"]);
  assertStrictEquals(m.namedParameters()[0][1], m.wte);
});

Deno.test("`ModuleList` names its children 0, 1, ... so keys read h.0, h.1", () => {
  const h = new ModuleList([new Norm(2), new Norm(3), new Norm(4)]);
  assertEquals(h.length, 3);
  assertEquals(h.namedChildren().map(([k]) => k), ["0", "1", "2"]);
  assertEquals(Object.keys(h.stateDict()).slice(0, 3), ["0.weight", "0.bias", "1.weight"]);
  assertStrictEquals(h.at(-1), h[2]);
  assertEquals(h.at(5), undefined);
  assertEquals([...h].map((n) => n.weight.shape[0]), [2, 3, 4]);
  assertEquals(new ModuleList().length, 0);
});

Deno.test("`registerBuffer()` keeps persistent buffers in the state dict, others out", () => {
  class WithBuffers extends Module {
    constructor() {
      super();
      this.registerBuffer("mask", Tensor.ones([2, 2]));
      this.registerBuffer("cache", Tensor.zeros([3]), false);
    }
  }
  const m = new WithBuffers();
  assertEquals(Object.keys(m.stateDict()), ["mask"]);
  assertEquals(m.namedBuffers().map(([k]) => k), ["mask", "cache"]);
  assertEquals(m.namedParameters(), []);
  // A non-persistent buffer is neither expected nor accepted by a strict load.
  assertEquals(
    String(m.loadStateDict({ mask: Tensor.zeros([2, 2]) })),
    "<All keys matched successfully>",
  );
  const e = loadError(() =>
    m.loadStateDict({ mask: Tensor.zeros([2, 2]), cache: Tensor.zeros([3]) })
  );
  assertStringIncludes(e.message, 'Unexpected key(s) in state_dict: "cache".');
});

Deno.test("`registerBuffer()` creates the field, which a declared field then types", () => {
  class Masked extends Module {
    declare bias: Tensor;
    constructor() {
      super();
      this.registerBuffer("bias", Tensor.ones([2, 2]).tril());
    }
  }
  const m = new Masked();
  assertEquals(m.bias.shape, [2, 2]);
  assertStrictEquals(m.bias, m.stateDict().bias);
});

Deno.test("`stateDict()` shares the module's tensors", () => {
  const m = new Tiny();
  assertStrictEquals(m.stateDict()["h.1.ln_1.weight"], m.h[1].ln_1.weight);
});

Deno.test("`loadStateDict()` replaces every tensor and reports all keys matched", () => {
  const m = new Tiny();
  const sd = filled(m, 7);
  const result = m.loadStateDict(sd);
  assertInstanceOf(result, LoadResult);
  assertEquals(result.missingKeys, []);
  assertEquals(result.unexpectedKeys, []);
  assertEquals(result.toString(), "<All keys matched successfully>");
  assertStrictEquals(m.h[0].attn.w, sd["h.0.attn.w"]);
  assertStrictEquals(m.h[1].attn.stateDict().bias, sd["h.1.attn.bias"]);
  assertEquals(m.ln_f.bias.toNested(), [7, 7, 7, 7]);
  // a buffer stays a buffer after loading
  assertEquals(m.namedBuffers().map(([k]) => k), ["h.0.attn.bias", "h.1.attn.bias"]);
});

Deno.test("a strict load reports missing and unexpected keys in PyTorch's words", () => {
  const m = new Tiny();
  const sd = filled(m, 1);
  delete sd["wpe"];
  delete sd["h.1.attn.bias"];
  sd["lm_head.weight"] = Tensor.zeros([10, 4]);
  const e = loadError(() => m.loadStateDict(sd));
  assertEquals(
    e.message,
    [
      "Error(s) in loading state_dict for Tiny:",
      '\tMissing key(s) in state_dict: "wpe", "h.1.attn.bias".',
      '\tUnexpected key(s) in state_dict: "lm_head.weight".',
    ].join("\n"),
  );
  assertEquals(e.name, "LoadStateDictError");
  assertEquals(e.moduleName, "Tiny");
  assertEquals(e.missingKeys, ["wpe", "h.1.attn.bias"]);
  assertEquals(e.unexpectedKeys, ["lm_head.weight"]);
});

Deno.test("a size mismatch names the key and both shapes, with (transposed?) when reversed", () => {
  class Proj extends Module {
    weight = Tensor.zeros([2304, 768]);
    bias = Tensor.zeros([2304]);
    scale = Tensor.zeros([3, 4, 5]);
  }
  const m = new Proj();
  const e = loadError(() =>
    m.loadStateDict({
      weight: Tensor.zeros([768, 2304]),
      bias: Tensor.zeros([768]),
      scale: Tensor.zeros([5, 4, 3]),
    })
  );
  assertEquals(e.message.split("\n"), [
    "Error(s) in loading state_dict for Proj:",
    "\tsize mismatch for weight: copying a param with shape [768, 2304] from checkpoint, " +
    "the shape in current model is [2304, 768] (transposed?).",
    "\tsize mismatch for bias: copying a param with shape [768] from checkpoint, " +
    "the shape in current model is [2304].",
    "\tsize mismatch for scale: copying a param with shape [5, 4, 3] from checkpoint, " +
    "the shape in current model is [3, 4, 5] (transposed?).",
  ]);
  assertEquals(e.sizeMismatches[0], { key: "weight", checkpoint: [768, 2304], model: [2304, 768] });
});

Deno.test("all problems are reported together, missing first, then unexpected, then sizes", () => {
  const m = new Tiny();
  const sd = filled(m, 1);
  delete sd["wte"];
  sd["extra"] = Tensor.zeros([1]);
  sd["ln_f.weight"] = Tensor.zeros([5]);
  const lines = loadError(() => m.loadStateDict(sd)).message.split("\n");
  assertEquals(lines.length, 4);
  assertStringIncludes(lines[1], "Missing key(s)");
  assertStringIncludes(lines[2], "Unexpected key(s)");
  assertStringIncludes(lines[3], "size mismatch for ln_f.weight");
});

Deno.test("a non-strict load returns the missing and unexpected keys and loads the rest", () => {
  const m = new Tiny();
  const sd = filled(m, 3);
  delete sd["wte"];
  sd["lm_head.weight"] = Tensor.zeros([10, 4]);
  const before = m.wte;
  const result = m.loadStateDict(sd, { strict: false });
  assertEquals(result.missingKeys, ["wte"]);
  assertEquals(result.unexpectedKeys, ["lm_head.weight"]);
  assertEquals(
    result.toString(),
    '<missing_keys=["wte"], unexpected_keys=["lm_head.weight"]>',
  );
  assertStrictEquals(m.wte, before);
  assertStrictEquals(m.wpe, sd["wpe"]);
});

Deno.test("size mismatches are errors even when non-strict", () => {
  const m = new Tiny();
  const sd = filled(m, 3);
  delete sd["wte"];
  sd["wpe"] = Tensor.zeros([4, 8]);
  const e = loadError(() => m.loadStateDict(sd, { strict: false }));
  // Non-strict: the missing key is not an error and is not listed.
  assertEquals(e.message.split("\n").length, 2);
  assertStringIncludes(e.message, "size mismatch for wpe: copying a param with shape [4, 8]");
  assertEquals(e.missingKeys, []);
});

Deno.test("a failed load loads nothing", () => {
  const m = new Tiny();
  const before = Object.entries(m.stateDict());
  const sd = filled(m, 5);
  sd["h.1.attn.w"] = Tensor.zeros([12, 4]);
  loadError(() => m.loadStateDict(sd));
  const sd2 = filled(m, 5);
  delete sd2["ln_f.bias"];
  loadError(() => m.loadStateDict(sd2));
  for (const [k, t] of Object.entries(m.stateDict())) {
    assertStrictEquals(t, before.find(([key]) => key === k)![1], k);
  }
});

Deno.test("`train()`/`eval()` set the mode on the whole tree", () => {
  const m = new Tiny();
  assert(!m.training);
  m.train();
  assert(m.h[1].ln_1.training && m.ln_f.training);
  assertStrictEquals(m.eval(), m);
  assert(!m.h[0].attn.training);
});

Deno.test("`extract()` takes the entries under a prefix, with or without the trailing dot", () => {
  const sd = filled(new Tiny(), 0);
  const withDot = extract(sd, "h.0.");
  assertEquals(Object.keys(withDot), ["ln_1.weight", "ln_1.bias", "attn.w", "attn.bias"]);
  assertEquals(Object.keys(extract(sd, "h.0")), Object.keys(withDot));
  assertStrictEquals(withDot["attn.w"], sd["h.0.attn.w"]);
  // "h.1" must not pick up "h.10.*"
  sd["h.10.attn.w"] = Tensor.zeros([1]);
  assertEquals(Object.keys(extract(sd, "h.1")), [
    "ln_1.weight",
    "ln_1.bias",
    "attn.w",
    "attn.bias",
  ]);
  assertEquals(Object.keys(extract(sd, "")), Object.keys(sd));
  assertEquals(extract(sd, "nothing"), {});
  // the extracted dict loads straight into the submodule
  const block = new Block();
  assertEquals(String(block.loadStateDict(extract(sd, "h.0"))), "<All keys matched successfully>");
});
