import { assertEquals, assertInstanceOf, assertStringIncludes, assertThrows } from "@std/assert";
import { ConfigError, GPT2_SMALL, loadConfig, parseConfig } from "./config.ts";
import { kitPath } from "./paths.ts";

// The fields of openai-community/gpt2's config.json on the Hugging Face hub.
const HF_GPT2 = {
  activation_function: "gelu_new",
  architectures: ["GPT2LMHeadModel"],
  attn_pdrop: 0.1,
  bos_token_id: 50256,
  embd_pdrop: 0.1,
  eos_token_id: 50256,
  initializer_range: 0.02,
  layer_norm_epsilon: 1e-05,
  model_type: "gpt2",
  n_ctx: 1024,
  n_embd: 768,
  n_head: 12,
  n_layer: 12,
  n_positions: 1024,
  resid_pdrop: 0.1,
  summary_activation: null,
  summary_first_dropout: 0.1,
  summary_proj_to_labels: true,
  summary_type: "cls_index",
  summary_use_proj: true,
  task_specific_params: { "text-generation": { do_sample: true, max_length: 50 } },
  vocab_size: 50257,
};

/** The HF config with some fields replaced (`undefined` removes a field). */
function variant(changes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...HF_GPT2, ...changes };
  for (const [k, v] of Object.entries(changes)) if (v === undefined) delete out[k];
  return out;
}

Deno.test("`parseConfig()` reads Hugging Face's gpt2 config.json as GPT-2 small", () => {
  assertEquals(parseConfig(HF_GPT2), { ...GPT2_SMALL });
});

Deno.test("`parseConfig()` falls back to n_ctx when n_positions is absent", () => {
  assertEquals(parseConfig(variant({ n_positions: undefined, n_ctx: 256 })).n_positions, 256);
  assertEquals(parseConfig(variant({ n_ctx: undefined })).n_positions, 1024);
});

Deno.test("`parseConfig()` defaults layer_norm_epsilon to 1e-5 and keeps a given one", () => {
  assertEquals(parseConfig(variant({ layer_norm_epsilon: undefined })).layer_norm_epsilon, 1e-5);
  assertEquals(parseConfig(variant({ layer_norm_epsilon: 1e-6 })).layer_norm_epsilon, 1e-6);
});

Deno.test("`parseConfig()` rejects a missing or non-integer size, naming the field", () => {
  const bad: [Record<string, unknown>, string][] = [
    [variant({ vocab_size: undefined }), '"vocab_size" must be a positive integer, got undefined'],
    [variant({ n_embd: 768.5 }), '"n_embd" must be a positive integer, got 768.5'],
    [variant({ n_head: "12" }), '"n_head" must be a positive integer, got "12"'],
    [variant({ n_layer: 0 }), '"n_layer" must be a positive integer, got 0'],
    [variant({ n_positions: undefined, n_ctx: undefined }), '"n_positions" must be'],
    [variant({ n_positions: -1 }), '"n_positions" must be a positive integer, got -1'],
  ];
  for (const [raw, message] of bad) {
    const e = assertThrows(() => parseConfig(raw, "model/config.json"), ConfigError, message);
    assertStringIncludes(e.message, 'Cannot read "model/config.json"');
  }
});

Deno.test("`parseConfig()` rejects n_embd not divisible by n_head, naming both", () => {
  assertThrows(
    () => parseConfig(variant({ n_embd: 770 })),
    ConfigError,
    "n_embd 770 is not divisible by n_head 12",
  );
});

Deno.test("`parseConfig()` rejects a bad epsilon and anything but an object", () => {
  assertThrows(
    () => parseConfig(variant({ layer_norm_epsilon: 0 })),
    ConfigError,
    '"layer_norm_epsilon"',
  );
  assertThrows(
    () => parseConfig(variant({ layer_norm_epsilon: "1e-5" })),
    ConfigError,
    "positive number",
  );
  for (const raw of [null, [], 3, "gpt2"]) {
    assertThrows(
      () => parseConfig(raw, "c.json"),
      ConfigError,
      'Cannot read "c.json": expected a JSON object',
    );
  }
});

Deno.test("`loadConfig()` reads the bundled tiny model's config", () => {
  const config = loadConfig(kitPath("data", "tiny", "config.json"));
  assertEquals(config.vocab_size, 50257);
  assertEquals(config.n_embd % config.n_head, 0);
});

Deno.test("`loadConfig()` of a missing file is a ConfigError naming the path", () => {
  const path = "/nonexistent/gpt2/config.json";
  const e = assertThrows(() => loadConfig(path), ConfigError, `Cannot read "${path}"`);
  assertInstanceOf(e, ConfigError);
  assertEquals(e.name, "ConfigError");
});

Deno.test("`loadConfig()` of a file that is not JSON is a ConfigError naming the path", () => {
  // This very source file is certainly not JSON.
  const path = kitPath("lib", "config_test.ts");
  assertThrows(() => loadConfig(path), ConfigError, `Cannot read "${path}": not valid JSON`);
});
