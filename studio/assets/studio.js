// Built by `deno task studio-bundle` from studio/browser/: do not edit.
// studio/browser/dom.ts
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== void 0) el.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== void 0 && c !== false) el.append(c);
  return el;
}
function fill(el, ...children) {
  el.replaceChildren(...children.filter((c) => !!c || c === ""));
}
function textInput(attrs, changed, ms = 400) {
  const input = h("input", {
    type: "text",
    ...attrs
  });
  let timer;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(changed, ms);
  });
  return input;
}
async function drawing(out, work) {
  const all = Array.isArray(out) ? out : [
    out
  ];
  for (const el of all) el.classList.add("busy");
  try {
    await work();
  } catch (e) {
    for (const el of all) fill(el, h("p", {
      class: "error"
    }, e.message));
  } finally {
    for (const el of all) el.classList.remove("busy");
  }
}
var ApiError = class extends Error {
};
async function api(path, body2) {
  const res = await fetch(path, body2 === void 0 ? {} : {
    method: "POST",
    headers: {
      "content-type": "application/json"
    },
    body: JSON.stringify(body2)
  });
  const value = await res.json();
  if (!res.ok) throw new ApiError(value?.error ?? `${path}: HTTP ${res.status}`);
  return value;
}

// studio/browser/heatmap.ts
function sequential(v) {
  if (v === null || !Number.isFinite(v)) return "hsl(300 80% 40%)";
  const t = Math.min(1, Math.max(0, v));
  return `hsl(220 70% ${97 - 62 * t}%)`;
}
function diverging(v) {
  if (v === null || !Number.isFinite(v)) return "hsl(300 80% 40%)";
  const t = Math.min(1, Math.abs(v));
  return `hsl(${v < 0 ? 220 : 5} 75% ${97 - 55 * t}%)`;
}
function errorScale(max) {
  return (v) => {
    if (v === null || !Number.isFinite(v)) return "hsl(300 80% 40%)";
    const t = max > 0 ? Math.sqrt(Math.min(1, v / max)) : 0;
    return `hsl(${30 - 25 * t} 90% ${98 - 60 * t}%)`;
  };
}
var tooltip;
function showTooltip(text, x, y) {
  tooltip ??= document.getElementById("tooltip");
  tooltip.textContent = text;
  tooltip.hidden = false;
  tooltip.style.left = `${x + 14}px`;
  tooltip.style.top = `${y + 14}px`;
}
function hideTooltip() {
  if (tooltip) tooltip.hidden = true;
}
function heatmap(o) {
  const canvas = document.createElement("canvas");
  const scale = globalThis.devicePixelRatio || 1;
  const cw = o.cell, ch = o.cellHeight ?? o.cell;
  canvas.width = Math.ceil(o.cols * cw * scale);
  canvas.height = Math.ceil(o.rows * ch * scale);
  canvas.style.width = `${o.cols * cw}px`;
  canvas.style.height = `${o.rows * ch}px`;
  canvas.className = "heatmap";
  canvas.dataset.rows = String(o.rows);
  canvas.dataset.cols = String(o.cols);
  canvas.dataset.values = JSON.stringify(Array.from(o.values));
  for (const [k, v] of Object.entries(o.data ?? {})) canvas.dataset[k] = String(v);
  const g = canvas.getContext("2d");
  g.scale(scale, scale);
  for (let i = 0; i < o.rows; i++) {
    for (let j = 0; j < o.cols; j++) {
      const v = o.values[i * o.cols + j];
      g.fillStyle = o.color(v);
      g.fillRect(j * cw, i * ch, cw, ch);
      if (!o.text) continue;
      g.fillStyle = "#111";
      g.font = `${Math.round(Math.min(cw, ch) / 3.2)}px system-ui, sans-serif`;
      g.textAlign = "center";
      g.textBaseline = "middle";
      g.fillText(o.text(v), (j + 0.5) * cw, (i + 0.5) * ch);
    }
  }
  canvas.addEventListener("mousemove", (ev) => {
    const i = Math.floor(ev.offsetY / ch), j = Math.floor(ev.offsetX / cw);
    if (i < 0 || j < 0 || i >= o.rows || j >= o.cols) return hideTooltip();
    showTooltip(o.describe(i, j, o.values[i * o.cols + j]), ev.pageX, ev.pageY);
  });
  canvas.addEventListener("mouseleave", hideTooltip);
  return canvas;
}
function short(v) {
  if (v === null) return "not a number";
  return Math.abs(v) >= 1e-3 || v === 0 ? String(Number(v.toPrecision(4))) : v.toExponential(2);
}
function labelled(canvas, rowLabels, colLabels, cell) {
  const figure = document.createElement("div");
  figure.className = "labelled";
  const label = (text, cls) => {
    const el = document.createElement("span");
    el.className = cls;
    el.textContent = text;
    el.style.setProperty("--cell", `${cell}px`);
    return el;
  };
  const cols = document.createElement("div");
  cols.className = "col-labels";
  cols.append(...colLabels.map((t) => label(t, "col-label")));
  const rows = document.createElement("div");
  rows.className = "row-labels";
  rows.append(...rowLabels.map((t) => label(t, "row-label")));
  figure.append(document.createElement("span"), cols, rows, canvas);
  return figure;
}

// studio/browser/learner.ts
function learnerSide(learner, ready) {
  if (learner.state === "not-started") {
    return h("div", {
      class: "not-started",
      "data-state": "not-started"
    }, h("p", {}, `\u25CB Stage ${learner.stage} not started`), h("p", {
      class: "hint"
    }, `hint: ${learner.hint}`));
  }
  if (learner.state === "error") {
    return h("div", {
      class: "error",
      "data-state": "error"
    }, h("p", {}, `\u2717 ${learner.message}`));
  }
  const notes = (learner.notes ?? []).map((n) => h("p", {
    class: "note"
  }, n));
  return h("div", {
    "data-state": "ready"
  }, ...notes, ready(learner.value));
}

// studio/browser/tokens_panel.ts
var EXAMPLES = [
  "cat",
  " cat",
  "superman",
  "spiderman"
];
function visible(piece) {
  return piece.replaceAll(" ", "\u2423").replaceAll("\n", "\u21B5").replaceAll("	", "\u21E5");
}
function chipElement(chip, marked = false) {
  const el = h("span", {
    class: marked ? "chip first-difference" : "chip",
    "data-id": chip.id,
    title: `id ${chip.id}`
  }, h("span", {
    class: "piece"
  }, visible(chip.piece)), h("span", {
    class: "id"
  }, String(chip.id)));
  el.style.setProperty("--hue", String(chip.id * 137.508 % 360));
  return el;
}
function chipRow(kind, label, chips, first) {
  return h("div", {
    class: `chips ${kind}`,
    "data-ids": chips.map((c) => c.id).join(",")
  }, h("span", {
    class: "label"
  }, label), ...chips.map((c, i) => chipElement(c, i === first)));
}
function drawRow(out, view) {
  const differs = view.firstDifference !== void 0;
  fill(out, learnerSide(view.learner, (chips) => h("div", {}, chipRow("learner", "yours", chips, view.firstDifference), differs ? h("p", {
    class: "fail"
  }, `\u2717 differs from GPT-2 at token ${view.firstDifference + 1}`) : h("p", {
    class: "pass"
  }, "\u2713 the same ids as GPT-2's tokenizer"))), view.learner.state !== "ready" || differs ? chipRow("reference", "GPT-2", view.reference, view.firstDifference) : null);
}
var TokensPanel = class {
  body;
  #rows;
  /** @param body the panel's body */
  constructor(body2) {
    this.body = body2;
    this.#rows = [];
    const list = h("div", {
      class: "token-rows"
    });
    for (const text of [
      ...EXAMPLES,
      ""
    ]) {
      const out = h("div", {
        class: "token-out"
      });
      const row = {
        input: textInput({
          value: text,
          placeholder: "type any text",
          "aria-label": "text to tokenize"
        }, () => this.#run([
          row
        ]), 300),
        out
      };
      list.append(h("div", {
        class: "token-row"
      }, row.input, out));
      this.#rows.push(row);
    }
    fill(body2, list);
  }
  /** Tokenizes every text again (after the learner's files changed). */
  refresh() {
    return this.#run(this.#rows);
  }
  async #run(rows) {
    const asked = rows.map((row) => ({
      ...row,
      text: row.input.value
    })).filter((r) => {
      r.out.closest(".token-row").setAttribute("data-text", r.text);
      if (!r.text) fill(r.out);
      return r.text !== "";
    });
    if (!asked.length) return;
    await drawing(asked.map((r) => r.out), async () => {
      const views = await api("/api/tokens", {
        texts: asked.map((r) => r.text)
      });
      asked.forEach((r, i) => r.input.value === r.text && drawRow(r.out, views[i]));
    });
  }
};

// studio/browser/attention_panel.ts
var PROMPT = "The cat sat on the mat because it was tired.";
function head(w, layer, h2, T) {
  const at = (layer * w.heads + h2) * T * T;
  return Float32Array.from(w.weights.slice(at, at + T * T));
}
function cellSize(T) {
  return Math.max(4, Math.min(24, Math.floor(200 / T)));
}
function drawLayer(out, view, learner, layer) {
  const T = view.tokens.length, cell = cellSize(T);
  const names = view.tokens.map((t) => visible(t.piece));
  const map = (kind, values, hd, diff = false) => {
    const canvas = heatmap({
      rows: T,
      cols: T,
      values,
      color: diff ? diverging : sequential,
      cell,
      describe: (i, j, v) => `\u201C${names[i]}\u201D (${i}) looks at \u201C${names[j]}\u201D (${j}): ${short(v)}`,
      data: {
        kind,
        layer,
        head: hd
      }
    });
    return h("figure", {
      class: `attention-map ${kind}`
    }, cell >= 12 ? labelled(canvas, names, names, cell) : canvas, h("figcaption", {}, kind === "difference" ? "yours \u2212 reference" : kind === "learner" ? "yours" : "reference"));
  };
  const heads = Array.from({
    length: view.reference.heads
  }, (_, hd) => {
    const ref = head(view.reference, layer, hd, T);
    const mine = learner && layer < learner.layers ? head(learner, layer, hd, T) : void 0;
    return h("div", {
      class: "attention-head",
      "data-head": hd
    }, h("h4", {}, `head ${hd}`), mine ? map("learner", mine, hd) : learner ? h("p", {
      class: "dim"
    }, "yours: layer 0 only") : null, map("reference", ref, hd), mine ? map("difference", mine.map((x, i) => x - ref[i]), hd, true) : null);
  });
  fill(out, h("div", {
    class: "attention-heads"
  }, ...heads));
}
var AttentionPanel = class {
  body;
  #input;
  #out;
  #layer;
  /** @param body the panel's body */
  constructor(body2) {
    this.body = body2;
    this.#out = h("div", {
      class: "attention-out"
    });
    this.#layer = 0;
    this.#input = textInput({
      value: PROMPT,
      class: "wide",
      "aria-label": "prompt"
    }, () => this.refresh(), 500);
    fill(body2, h("label", {}, "Prompt: ", this.#input), this.#out);
  }
  /** Computes the weights again. */
  refresh() {
    return drawing(this.#out, async () => {
      this.#draw(await api("/api/attention", {
        prompt: this.#input.value
      }));
    });
  }
  #draw(view) {
    const layers = view.reference.layers;
    this.#layer = Math.min(this.#layer, layers - 1);
    const grid = h("div", {});
    const learner = view.learner.state === "ready" ? view.learner.value : void 0;
    const buttons = Array.from({
      length: layers
    }, (_, l) => {
      const b = h("button", {
        type: "button",
        "data-layer": l
      }, `layer ${l}`);
      b.addEventListener("click", () => {
        this.#layer = l;
        for (const other of buttons) other.classList.toggle("selected", other === b);
        drawLayer(grid, view, learner, l);
      });
      b.classList.toggle("selected", l === this.#layer);
      return b;
    });
    drawLayer(grid, view, learner, this.#layer);
    fill(this.#out, h("div", {
      class: "tokens-line"
    }, `${view.tokens.length} tokens`), learnerSide(view.learner, () => h("span")), h("div", {
      class: "layers"
    }, ...buttons), grid);
  }
};

// studio/browser/divergence_panel.ts
function cellSize2(item) {
  return {
    w: Math.max(2, Math.min(24, Math.floor(640 / item.columns))),
    h: Math.max(6, Math.min(24, Math.floor(480 / item.rowLabels.length)))
  };
}
function drawItem(out, item) {
  const max = item.errors.reduce((m, e) => Math.max(m, e ?? Infinity), 0);
  const size = cellSize2(item);
  const bad = new Set(item.badRows);
  const canvas = heatmap({
    rows: item.rowLabels.length,
    cols: item.columns,
    values: item.errors,
    color: errorScale(Number.isFinite(max) ? max : 1),
    cell: size.w,
    cellHeight: size.h,
    describe: (i, j, v) => {
      const from = j * item.perColumn;
      const channels = item.perColumn > 1 ? `channels ${from}\u2013${from + item.perColumn - 1}` : `channel ${from}`;
      return `position ${item.rowLabels[i]}, ${channels}: |yours \u2212 reference| = ${short(v)}`;
    },
    data: {
      kind: "error",
      badRows: item.badRows.join(","),
      shape: item.shape.join(",")
    }
  });
  const rows = h("ol", {
    class: "error-rows"
  }, ...item.rowLabels.map((label, i) => {
    const li = h("li", {
      class: bad.has(i) ? "bad" : "good",
      "data-row": i
    }, label);
    li.style.setProperty("--row", `${size.h}px`);
    return li;
  }));
  fill(out, h("pre", {
    class: "check-text"
  }, item.text), item.factor !== void 0 ? h("p", {
    class: "note"
  }, `Every value of yours is the reference's \xD7 ${short(item.factor)}.`) : null, h("p", {
    class: "dim"
  }, `${item.badRows.length} of ${item.rowLabels.length} positions are outside the tolerance (marked \u2717); shape [${item.shape.join(", ")}], ` + (item.perColumn > 1 ? `${item.perColumn} channels a column, ` : "") + `largest error ${short(max)}.`), h("div", {
    class: "error-map"
  }, rows, canvas));
}
function drawDivergence(body2, view, grading) {
  if (!view.items.length) {
    return fill(body2, h("p", {
      class: "dim",
      "data-state": "empty"
    }, grading ? "Waiting for the grader\u2026" : "No numeric check fails: when one does, its error is drawn here."));
  }
  const out = h("div", {});
  const buttons = view.items.map((item, i) => {
    const b = h("button", {
      type: "button",
      "data-item": i
    }, `Stage ${item.stage}: ${item.check}`);
    b.addEventListener("click", () => {
      for (const other of buttons) other.classList.toggle("selected", other === b);
      drawItem(out, item);
    });
    return b;
  });
  buttons[0].classList.add("selected");
  drawItem(out, view.items[0]);
  fill(body2, h("div", {
    class: "items"
  }, ...buttons), out);
}

// studio/browser/embeddings_panel.ts
var WORDS = "fruit, apple, man, woman";
var CELL = 56;
function draw(out, view) {
  const names = view.words.map((w) => w.tokens.length === 1 ? w.word : `${w.word} (${w.tokens.map((t) => visible(t.piece)).join("|")})`);
  fill(out, learnerSide(view.similarities, (matrix) => {
    const n = matrix.length;
    const canvas = heatmap({
      rows: n,
      cols: n,
      values: matrix.flat(),
      color: diverging,
      cell: CELL,
      text: (v) => v === null ? "?" : v.toFixed(2),
      describe: (i, j, v) => `cos(${names[i]}, ${names[j]}) = ${short(v)}`,
      data: {
        kind: "similarity"
      }
    });
    return labelled(canvas, names, names, CELL);
  }), h("p", {
    class: "dim"
  }, 'Each word is embedded after a space, as inside a sentence (" apple"); a word of several tokens is the mean of their vectors. Red: similar; blue: opposite.'));
}
var EmbeddingsPanel = class {
  body;
  #input;
  #out;
  /** @param body the panel's body */
  constructor(body2) {
    this.body = body2;
    this.#out = h("div", {
      class: "embeddings-out"
    });
    this.#input = textInput({
      value: WORDS,
      class: "wide",
      "aria-label": "words, separated by commas"
    }, () => this.refresh());
    fill(body2, h("label", {}, "Words (comma-separated): ", this.#input), this.#out);
  }
  /** Computes the similarities again. */
  refresh() {
    const words = this.#input.value.split(",").map((w) => w.trim()).filter((w) => w).slice(0, 16);
    if (!words.length) {
      fill(this.#out, h("p", {
        class: "dim"
      }, "Type some words."));
      return Promise.resolve();
    }
    return drawing(this.#out, async () => {
      draw(this.#out, await api("/api/embeddings", {
        words
      }));
    });
  }
};

// lib/wayland.ts
var NO_WAYLAND = "/nonexistent/gpt2-kit-no-wayland";
async function withoutWaylandNoise(fn) {
  let set = false;
  try {
    if (Deno.build.os === "linux" && Deno.env.get("XDG_RUNTIME_DIR") === void 0) {
      Deno.env.set("XDG_RUNTIME_DIR", NO_WAYLAND);
      set = true;
    }
  } catch {
  }
  try {
    return await fn();
  } finally {
    if (set) Deno.env.delete("XDG_RUNTIME_DIR");
  }
}

// lib/backend_choice.ts
var BackendError = class extends Error {
  /**
   * Creates the error.
   *
   * @param message why the backend cannot be used
   */
  constructor(message) {
    super(message);
    this.name = "BackendError";
  }
};
async function probeGpu() {
  const gpu = navigator.gpu;
  if (!gpu) return {
    adapter: "none",
    description: "navigator.gpu is not available here"
  };
  const adapter = await withoutWaylandNoise(() => gpu.requestAdapter().catch(() => null));
  if (!adapter) return {
    adapter: "none",
    description: "navigator.gpu offers no adapter"
  };
  const name = adapter.info.description || adapter.info.vendor || "unknown adapter";
  return adapter.info.isFallbackAdapter ? {
    adapter: "software",
    description: `only a software (fallback) adapter: ${name}`
  } : {
    adapter: "hardware",
    description: name
  };
}
async function chooseBackend(requested, probe = probeGpu) {
  if (requested !== "auto" && requested !== "webgpu") return {
    backend: requested,
    notices: []
  };
  const gpu = await probe();
  if (requested === "auto") {
    return gpu.adapter === "hardware" ? {
      backend: "webgpu",
      notices: []
    } : {
      backend: "wasm",
      notices: [
        `WebGPU not used (${gpu.description}); running on WASM.`
      ]
    };
  }
  if (gpu.adapter === "none") {
    throw new BackendError(`Cannot use --backend webgpu: ${gpu.description}`);
  }
  return {
    backend: "webgpu",
    notices: gpu.adapter === "hardware" ? [] : [
      `WebGPU on ${gpu.description}: expect it to be much slower than WASM.`
    ]
  };
}

// lib/sampling.ts
function argmax(logits) {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}
function sampleNext(logits, options) {
  const { temperature = 0, topK = 0, topP = 1, rng } = options;
  if (!(temperature >= 0)) throw new RangeError(`temperature must be >= 0, got ${temperature}`);
  if (!(topK >= 0) || !Number.isInteger(topK)) {
    throw new RangeError(`top-k must be a whole number >= 0, got ${topK}`);
  }
  if (!(topP > 0 && topP <= 1)) throw new RangeError(`top-p must be in (0, 1], got ${topP}`);
  if (temperature === 0) return argmax(logits);
  if (!rng) throw new RangeError("sampling needs a seeded generator (rng)");
  const order = Array.from({
    length: logits.length
  }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  const kept = topK > 0 ? order.slice(0, topK) : order;
  const max = logits[kept[0]];
  const weights = kept.map((i) => Math.exp((logits[i] - max) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let cut = kept.length, mass = 0;
  for (let i = 0; i < kept.length; i++) {
    mass += weights[i] / total;
    if (mass >= topP) {
      cut = i + 1;
      break;
    }
  }
  const nucleus = weights.slice(0, cut);
  let r = rng.uniform() * nucleus.reduce((a, b) => a + b, 0);
  for (let i = 0; i < cut; i++) {
    r -= nucleus[i];
    if (r < 0) return kept[i];
  }
  return kept[cut - 1];
}
function topProbabilities(logits, k) {
  const max = logits[argmax(logits)];
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += Math.exp(logits[i] - max);
  const top = [];
  for (let i = 0; i < logits.length; i++) {
    if (top.length === k && logits[i] <= logits[top[k - 1]]) continue;
    let at = top.findIndex((j) => logits[i] > logits[j]);
    if (at < 0) at = top.length;
    top.splice(at, 0, i);
    if (top.length > k) top.pop();
  }
  return top.map((id) => ({
    id,
    p: Math.exp(logits[id] - max) / total
  }));
}

// lib/generate.ts
var END_OF_TEXT = 50256;
async function generate(runner, promptIds, options) {
  const seq = promptIds.length ? [
    ...promptIds
  ] : [
    END_OF_TEXT
  ];
  const fed = [
    ...seq
  ];
  const ids = [];
  const started = performance.now();
  let firstAt = started;
  let windowFrom;
  for (let i = 0; i < options.maxNewTokens; i++) {
    if (seq.length > options.nPositions) windowFrom ??= i;
    const logits = await runner.nextLogits(seq.slice(-options.nPositions));
    const id = sampleNext(logits, options);
    if (i === 0) firstAt = performance.now();
    seq.push(id);
    ids.push(id);
    options.onToken?.(id, ids);
  }
  const decodeMs = performance.now() - firstAt;
  return {
    promptIds: fed,
    ids,
    prefillMs: firstAt - started,
    tokensPerSecond: ids.length > 1 && decodeMs > 0 ? (ids.length - 1) / (decodeMs / 1e3) : 0,
    ...windowFrom === void 0 ? {} : {
      windowFrom
    }
  };
}

// lib/rng.ts
var Rng = class {
  #s = new Uint32Array(4);
  #spare = null;
  /** @param seed any integer; equal seeds give equal sequences */
  constructor(seed) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = x + 2654435769 >>> 0;
      let z = x;
      z = Math.imul(z ^ z >>> 16, 2246822507) >>> 0;
      z = Math.imul(z ^ z >>> 13, 3266489909) >>> 0;
      this.#s[i] = (z ^ z >>> 16) >>> 0;
    }
  }
  /** The next 32 random bits. */
  nextUint32() {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }
  /** A uniform float in `[0, 1)`. */
  uniform() {
    return this.nextUint32() / 4294967296;
  }
  /**
   * Fills `out` with normal samples of mean 0 and standard deviation `std` (Marsaglia's polar
   * method: two samples per accepted pair of uniforms, no trigonometry).
   *
   * @param out the buffer to fill
   * @param std the standard deviation
   */
  fillNormal(out, std = 1) {
    for (let i = 0; i < out.length; ) {
      let u, v, s;
      do {
        u = 2 * this.uniform() - 1;
        v = 2 * this.uniform() - 1;
        s = u * u + v * v;
      } while (s >= 1 || s === 0);
      const f = std * Math.sqrt(-2 * Math.log(s) / s);
      out[i++] = u * f;
      if (i < out.length) out[i++] = v * f;
    }
  }
  /** A standard normal sample (Box–Muller, two per pair of uniforms). */
  normal() {
    if (this.#spare !== null) {
      const s = this.#spare;
      this.#spare = null;
      return s;
    }
    const u = 1 - this.uniform(), v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
};
function rotl(x, k) {
  return (x << k | x >>> 32 - k) >>> 0;
}

// lib/export/names.ts
var INPUT_IDS = "input_ids";
var LOGITS = "logits";
function cacheNames(i) {
  return {
    pastKey: `past_key_${i}`,
    pastValue: `past_value_${i}`,
    presentKey: `present_key_${i}`,
    presentValue: `present_value_${i}`
  };
}

// lib/session_runner.ts
function sessionLogits(api2, session, config, cached) {
  const hs = config.n_embd / config.n_head;
  const emptyCache = () => Array.from({
    length: config.n_layer
  }, () => ({
    k: new api2.Tensor("float32", new Float32Array(0), [
      1,
      config.n_head,
      0,
      hs
    ]),
    v: new api2.Tensor("float32", new Float32Array(0), [
      1,
      config.n_head,
      0,
      hs
    ])
  }));
  const run = async (ids, past) => {
    const feeds = idsFeeds(api2, ids);
    (past ?? []).forEach((kv, i) => {
      feeds[cacheNames(i).pastKey] = kv.k;
      feeds[cacheNames(i).pastValue] = kv.v;
    });
    const out = await session.run(feeds);
    const logits = out[LOGITS];
    const data = await logits.getData();
    const last = data.slice(data.length - logits.dims[logits.dims.length - 1]);
    logits.dispose();
    past?.forEach((kv) => (kv.k.dispose(), kv.v.dispose()));
    const present = past?.map((_, i) => ({
      k: out[cacheNames(i).presentKey],
      v: out[cacheNames(i).presentValue]
    }));
    return {
      logits: last,
      present
    };
  };
  return cached ? withCache((ids, past) => run(ids, past ?? emptyCache())) : async (ids) => (await run(ids, void 0)).logits;
}
function idsFeeds(api2, ids) {
  return {
    [INPUT_IDS]: new api2.Tensor("int64", BigInt64Array.from(ids, BigInt), [
      1,
      ids.length
    ])
  };
}
function withCache(run) {
  let seen = [];
  let cache;
  return async (ids) => {
    const extends_ = cache !== void 0 && ids.length > seen.length && seen.every((id, i) => ids[i] === id);
    const { logits, present } = extends_ ? await run(ids.slice(seen.length), cache) : await run(ids, void 0);
    cache = present;
    seen = [
      ...ids
    ];
    return logits;
  };
}

// studio/browser/generate_panel.ts
var SVG = "http://www.w3.org/2000/svg";
var ORT_URL = "/vendor/ort.webgpu.bundle.min.mjs";
var ort;
function loadOrt() {
  const url = ORT_URL;
  return ort ??= import(url);
}
function percent(p) {
  return `${Number((100 * p).toPrecision(2))}%`;
}
function yieldToPage() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}
function control(label, input) {
  return h("label", {}, `${label} `, input);
}
function numberInput(value, min, max, step, name) {
  return h("input", {
    type: "number",
    value,
    min,
    max,
    step,
    name,
    "aria-label": name
  });
}
var GeneratePanel = class {
  body;
  session;
  files;
  #prompt;
  #tokens;
  #temperature;
  #topK;
  #seed;
  #model;
  #run;
  #stop;
  #status;
  #output;
  #chart;
  #speed;
  #loaded;
  #abort;
  /**
   * @param body the panel's body
   * @param session what the studio shows
   * @param files the version of the learner's files (to know when to export again)
   */
  constructor(body2, session, files) {
    this.body = body2;
    this.session = session;
    this.files = files;
    this.#prompt = h("input", {
      type: "text",
      value: "The dog",
      class: "wide",
      name: "prompt",
      "aria-label": "prompt"
    });
    this.#tokens = numberInput(20, 1, 512, 1, "tokens");
    this.#temperature = numberInput(0, 0, 2, 0.1, "temperature");
    this.#topK = numberInput(40, 0, 50257, 1, "top-k");
    this.#seed = numberInput(0, 0, 2 ** 31 - 1, 1, "seed");
    this.#model = h("select", {
      name: "model",
      "aria-label": "model"
    });
    this.#run = h("button", {
      type: "button",
      class: "primary"
    }, "Generate");
    this.#stop = h("button", {
      type: "button",
      disabled: ""
    }, "Stop");
    this.#status = h("p", {
      class: "backend"
    }, "Not loaded yet.");
    this.#output = h("div", {
      class: "generated"
    });
    this.#chart = h("div", {
      class: "top5"
    });
    this.#speed = h("p", {
      class: "speed dim"
    });
    for (const m of session.generateModels) {
      this.#model.append(h("option", {
        value: m.id
      }, m.label));
    }
    this.#run.addEventListener("click", () => this.generate());
    this.#stop.addEventListener("click", () => this.#abort?.abort());
    fill(body2, h("div", {
      class: "controls"
    }, control("Prompt", this.#prompt), h("label", {}, "Model ", this.#model)), h("div", {
      class: "controls"
    }, control("New tokens", this.#tokens), control("Temperature (0: greedy)", this.#temperature), control("Top-k (0: all)", this.#topK), control("Seed", this.#seed), this.#run, this.#stop), this.#status, h("div", {
      class: "generate-out"
    }, this.#output, this.#chart), this.#speed);
  }
  /**
   * Says, before anything is generated, whether stage 5 is written yet.
   *
   * @param stages the latest grading
   */
  showStages(stages) {
    if (this.#loaded || this.#abort) return;
    const five = stages.stages.find((s) => s.number === 5);
    const stage = this.session.stages.find((s) => s.number === 5);
    fill(this.#status, five?.state === "not-started" ? learnerSide({
      state: "not-started",
      stage: 5,
      hint: stage.hint
    }, () => h("span")) : "Press Generate: your model is exported to ONNX and loaded into this browser.");
  }
  /**
   * Exports the learner's model (when their files changed since) and generates.
   *
   * @returns when generation has ended
   */
  async generate() {
    this.#run.disabled = true;
    this.#stop.disabled = false;
    this.#abort = new AbortController();
    try {
      const loaded = await this.#load();
      if (!loaded) return;
      await this.#generate(loaded, this.#abort.signal);
    } catch (e) {
      if (e.name !== "AbortError") {
        fill(this.#output, h("p", {
          class: "error"
        }, `\u2717 ${e.message}`));
      }
    } finally {
      this.#run.disabled = false;
      this.#stop.disabled = true;
    }
  }
  async #load() {
    const files = this.files(), model = this.#model.value;
    if (this.#loaded?.files === files && this.#loaded.model === model) return this.#loaded;
    await this.#loaded?.session.release();
    this.#loaded = void 0;
    fill(this.#status, "Exporting your model to ONNX\u2026");
    const exported = await api("/api/model", {
      model
    });
    if (exported.state !== "ready") {
      fill(this.#status, learnerSide(exported, () => h("span")));
      return void 0;
    }
    const view = exported.value;
    const { backend, notices } = await chooseBackend("auto");
    fill(this.#status, `Loading it into onnxruntime-web (${backend.toUpperCase()})\u2026`);
    const runtime = await loadOrt();
    runtime.env.wasm.numThreads = 1;
    runtime.env.logLevel = "error";
    const session = await runtime.InferenceSession.create(view.graph, {
      executionProviders: [
        backend
      ],
      logSeverityLevel: 3,
      externalData: view.external.map((f) => ({
        path: f.path,
        data: f.url
      }))
    });
    this.#loaded = {
      files,
      model,
      config: view.config,
      backend,
      notices,
      cached: view.cached,
      notes: view.notes,
      session
    };
    return this.#loaded;
  }
  async #generate(loaded, signal) {
    const { config } = loaded;
    const runtime = await loadOrt();
    const next = sessionLogits(runtime, loaded.session, config, loaded.cached);
    let last = new Float32Array(0);
    const runner = {
      backend: loaded.backend,
      notices: loaded.notices,
      cached: loaded.cached,
      threads: 1,
      nextLogits: async (ids) => {
        await yieldToPage();
        if (signal.aborted) throw new DOMException("stopped", "AbortError");
        return last = await next(ids);
      },
      close: () => Promise.resolve()
    };
    fill(this.#status, h("span", {
      "data-backend": loaded.backend
    }, `Running in this browser on ${loaded.backend === "webgpu" ? "WebGPU" : "WASM"}${loaded.cached ? ", with your KV cache" : ""}, on the ${this.#model.selectedOptions[0]?.textContent ?? ""} model.`), ...[
      ...loaded.notices,
      ...loaded.notes
    ].map((n) => h("span", {
      class: "note"
    }, ` ${n}`)));
    const prompt = await api("/api/encode", {
      text: this.#prompt.value
    });
    const temperature = Number(this.#temperature.value) || 0;
    const steps = [];
    const started = performance.now();
    let firstAt = 0;
    this.#output.removeAttribute("data-done");
    const show = this.#shower(prompt.ids);
    const result = await generate(runner, prompt.ids, {
      maxNewTokens: Math.max(1, Math.min(512, Number(this.#tokens.value) || 1)),
      nPositions: config.n_positions,
      temperature,
      topK: temperature > 0 ? Math.max(0, Number(this.#topK.value) || 0) : 0,
      rng: new Rng(Number(this.#seed.value) || 0),
      onToken: (id, all) => {
        if (all.length === 1) firstAt = performance.now();
        steps.push({
          id,
          top: topProbabilities(last, 5)
        });
        show(steps);
        const s = (performance.now() - firstAt) / 1e3;
        this.#speed.textContent = all.length > 1 && s > 0 ? `${((all.length - 1) / s).toFixed(1)} tokens/s` : `first token after ${(performance.now() - started).toFixed(0)} ms`;
      }
    });
    this.#output.dataset.ids = result.ids.join(",");
    this.#output.dataset.promptIds = result.promptIds.join(",");
    this.#output.dataset.backend = loaded.backend;
    this.#output.dataset.tokensPerSecond = result.tokensPerSecond.toFixed(2);
    this.#output.dataset.done = "1";
    this.#speed.textContent = `${result.ids.length} tokens: prefill ${result.prefillMs.toFixed(0)} ms, then ${result.tokensPerSecond.toFixed(1)} tokens/s (${prompt.by === "yours" ? "your tokenizer" : "GPT-2's tokenizer"} for the prompt).`;
  }
  /**
   * Draws the text as it comes: the prompt, then a span per new token whose text (and the texts
   * of its step's five most likely tokens) the server gives when asked, while the loop goes on.
   *
   * @param promptIds the prompt's ids
   * @returns what to call after each step
   */
  #shower(promptIds) {
    const prompt = h("span", {
      class: "prompt"
    });
    fill(this.#output, prompt);
    const decode = (ids) => api("/api/decode", {
      ids
    });
    decode([
      promptIds
    ]).then((d) => prompt.textContent = d.texts[0]).catch(() => {
    });
    return (steps) => {
      const i = steps.length - 1, step = steps[i];
      const span = h("span", {
        class: "token",
        "data-id": step.id,
        title: `id ${step.id}`
      }, "\u2026");
      span.addEventListener("mouseenter", () => this.#drawTop(step, i));
      this.#output.append(span);
      this.#drawTop(step, i);
      decode([
        [
          step.id
        ],
        ...step.top.map((t) => [
          t.id
        ])
      ]).then((d) => {
        span.textContent = d.texts[0];
        step.labels = d.texts.slice(1);
        if (i === steps.length - 1) this.#drawTop(step, i);
      }).catch(() => {
      });
    };
  }
  #drawTop(step, index) {
    const width = 220, bar = 18;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", String(width + 160));
    svg.setAttribute("height", String(step.top.length * (bar + 4)));
    svg.setAttribute("class", "top5-chart");
    step.top.forEach((t, i) => {
      const y = i * (bar + 4);
      const rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("x", "0");
      rect.setAttribute("y", String(y));
      rect.setAttribute("width", String(Math.max(1, t.p * width)));
      rect.setAttribute("height", String(bar));
      rect.setAttribute("class", t.id === step.id ? "chosen" : "other");
      rect.dataset.id = String(t.id);
      rect.dataset.p = String(t.p);
      const text = document.createElementNS(SVG, "text");
      text.setAttribute("x", String(width + 6));
      text.setAttribute("y", String(y + bar - 5));
      const label = step.labels?.[i];
      text.textContent = `${percent(t.p)} ${label === void 0 ? `id ${t.id}` : `\u201C${visible(label)}\u201D`}`;
      svg.append(rect, text);
    });
    fill(this.#chart, h("p", {
      class: "dim"
    }, `Step ${index + 1}: the 5 most likely next tokens`), svg);
  }
};

// studio/browser/stages_panel.ts
var MARKS = [
  [
    /^\s*✓/,
    "pass"
  ],
  [
    /^\s*✗/,
    "fail"
  ],
  [
    /^\s*(○|hint:)/,
    "todo"
  ],
  [
    /^\s*(·|–|│|your code printed)/,
    "dim"
  ],
  [
    /^\s+hint:/,
    "todo"
  ]
];
function line(text) {
  const kind = MARKS.find(([re]) => re.test(text))?.[1];
  return h("span", {
    class: kind
  }, `${text}
`);
}
function drawStages(body2, view) {
  fill(body2, view.problem ? h("p", {
    class: "error"
  }, view.problem) : null, ...view.stages.map((s) => h("article", {
    class: `stage ${s.state}`,
    "data-stage": s.number,
    "data-state": s.state
  }, h("pre", {}, ...s.lines.map(line)), s.state === "grading" || s.stale ? h("p", {
    class: "dim"
  }, "grading\u2026") : null)));
}

// studio/browser/main.ts
var POLL_MS = 1e3;
function body(id) {
  return document.querySelector(`#${id} .body`);
}
async function main() {
  const session = await api("/api/session");
  const c = session.config;
  document.getElementById("session").textContent = `${session.model} model (${c.n_layer} layers \xD7 ${c.n_head} heads, width ${c.n_embd}) \xB7 your files: ${session.learnerDir}`;
  const tokens = new TokensPanel(body("tokens"));
  const embeddings = new EmbeddingsPanel(body("embeddings"));
  const attention = new AttentionPanel(body("attention"));
  let files = -1, results = -1;
  const generate2 = new GeneratePanel(body("generate"), session, () => files);
  const poll = async () => {
    const status = await api("/api/status");
    if (status.files !== files) {
      files = status.files;
      for (const panel of [
        tokens,
        embeddings,
        attention
      ]) panel.refresh();
    }
    if (status.results !== results || status.grading > 0) {
      results = status.results;
      const [stages, divergence] = await Promise.all([
        api("/api/stages"),
        api("/api/divergence")
      ]);
      drawStages(body("stages"), stages);
      generate2.showStages(stages);
      drawDivergence(body("divergence"), divergence, status.grading > 0);
    }
  };
  await poll();
  document.body.dataset.ready = "1";
  let polling = false;
  setInterval(async () => {
    if (polling) return;
    polling = true;
    try {
      await poll();
      document.body.classList.remove("offline");
    } catch {
      document.body.classList.add("offline");
    } finally {
      polling = false;
    }
  }, POLL_MS);
}
main().catch((e) => {
  document.querySelector("main").prepend(h("p", {
    class: "error"
  }, `The studio's page could not start: ${e.message}`));
});
