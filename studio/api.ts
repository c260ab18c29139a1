/**
 * The studio's API: what the page asks the server and what it gets back, as JSON. The server
 * (`server.ts`) and the page's code (`browser/`) both build on these types.
 *
 * @module
 */

/** The stage statuses of the grader, and the studio's own while a stage waits for grading. */
export type StageState = "pass" | "fail" | "not-started" | "error" | "grading";

/** What a panel shows for the learner's side. */
export type Learner<T> =
  | {
    /** The learner's code ran. */
    state: "ready";
    /** What it computed. */
    value: T;
    /** Things to know about it (a fallback, a limit). */
    notes?: string[];
  }
  | {
    /** The stage's code is still the stub. */
    state: "not-started";
    /** The stage. */
    stage: number;
    /** The stage's first hint. */
    hint: string;
  }
  | {
    /** The learner's code failed, or cannot be used (yet). */
    state: "error";
    /** The stage. */
    stage: number;
    /** What happened, in the grader's words. */
    message: string;
  };

/** `GET /api/status`: counters the page polls to know when to fetch again. */
export interface StatusView {
  /** Goes up each time the learner's files change. */
  files: number;
  /** Goes up each time a stage's result changes. */
  results: number;
  /** Stages still being graded. */
  grading: number;
}

/** `GET /api/session`: what the studio was started on. */
export interface SessionView {
  /** `tiny`, `gpt2` or `custom`. */
  model: string;
  /** The model's sizes. */
  config: {
    /** Vocabulary size. */
    vocab_size: number;
    /** Context length. */
    n_positions: number;
    /** Width. */
    n_embd: number;
    /** Blocks. */
    n_layer: number;
    /** Heads per block. */
    n_head: number;
  };
  /** The learner's directory, as shown to them. */
  learnerDir: string;
  /** The stages: number, name, file, first hint. */
  stages: { number: number; name: string; file: string; hint: string }[];
  /** The longest prompt the attention panel takes, in tokens. */
  maxAttentionTokens: number;
  /** The models the Generate panel offers, the default first. */
  generateModels: { id: GenerateModel; label: string }[];
}

/**
 * A model the Generate panel runs: the studio's own (the one graded), or the bundled English
 * GPT-2 (offered when the studio runs on the tiny model, whose random weights write no English).
 */
export type GenerateModel = "studio" | "english";

/** One stage in the Stages panel. */
export interface StageView {
  /** Its number. */
  number: number;
  /** Its name. */
  name: string;
  /** Its state. */
  state: StageState;
  /** Whether it is being graded again (the files changed since `lines`). */
  stale: boolean;
  /** The report of `deno task check`, line by line, without colour. */
  lines: string[];
}

/** `GET /api/stages`. */
export interface StagesView {
  /** The stages, in order. */
  stages: StageView[];
  /** Why grading cannot run, when it cannot (no references for these weights). */
  problem?: string;
}

/** A token: its id and the text it stands for. */
export interface Chip {
  /** The id. */
  id: number;
  /** Its text (with `�` for a piece of a character). */
  piece: string;
}

/** One text of `POST /api/tokens` `{ texts }` (the answer is a list, one per text). */
export interface TokensView {
  /** The reference tokenizer's tokens. */
  reference: Chip[];
  /** The learner's tokens. */
  learner: Learner<Chip[]>;
  /** Where the learner's ids first differ from the reference's, when they do. */
  firstDifference?: number;
}

/** `POST /api/embeddings` `{ words }`. */
export interface EmbeddingsView {
  /** Each word as tokenized (a word of several tokens is their mean). */
  words: { word: string; tokens: Chip[] }[];
  /** `cosineSimilarity` of every pair, row by row. */
  similarities: Learner<number[][]>;
}

/** Attention weights: `weights[((layer * heads + head) * T + i) * T + j]`. */
export interface AttentionWeights {
  /** How many layers. */
  layers: number;
  /** Heads per layer. */
  heads: number;
  /** The weights, flat. */
  weights: number[];
}

/** `POST /api/attention` `{ prompt }`. */
export interface AttentionView {
  /** The prompt's tokens (at most `maxAttentionTokens`). */
  tokens: Chip[];
  /** The reference's weights, every layer. */
  reference: AttentionWeights;
  /** The learner's: every layer of their GPT2, or layer 0 of their CausalSelfAttention. */
  learner: Learner<AttentionWeights>;
}

/** One failing numeric check's error, ready to draw. */
export interface DivergenceItem {
  /** The stage. */
  stage: number;
  /** The check's name. */
  check: string;
  /** The check's report: message, details, hint. */
  text: string;
  /** The shape of the tensors compared. */
  shape: number[];
  /** Rows of the heatmap: the positions (with any leading indices). */
  rowLabels: string[];
  /** Columns: channels, `perColumn` to a cell. */
  columns: number;
  /** How many channels one column of the heatmap covers (the largest error among them). */
  perColumn: number;
  /** `|found - expected|`, `rowLabels.length × columns`, row by row. */
  errors: number[];
  /** The rows with an element outside the tolerance. */
  badRows: number[];
  /** When the learner's values are the reference's times one factor, that factor. */
  factor?: number;
}

/** `GET /api/divergence`. */
export interface DivergenceView {
  /** Every failing numeric check, in stage order. */
  items: DivergenceItem[];
}

/** `POST /api/model` `{ model }`: the learner's model, exported to ONNX for the browser. */
export interface ModelView {
  /** The model's sizes (the graph's inputs and the cache depend on them). */
  config: SessionView["config"];
  /** Where to fetch the `.onnx` bytes. */
  graph: string;
  /** The external weight files: the name the graph uses, and where to fetch it. */
  external: { path: string; url: string }[];
  /** Whether the graph has a KV cache (stage 6). */
  cached: boolean;
  /** Things to know (a fallback to recomputation). */
  notes: string[];
}

/** `POST /api/encode` `{ text }`. */
export interface EncodeView {
  /** The ids. */
  ids: number[];
  /** Whose tokenizer made them. */
  by: "yours" | "reference";
}

/** `POST /api/decode` `{ ids: number[][] }`: each id list as text. */
export interface DecodeView {
  /** The texts, in order. */
  texts: string[];
}
