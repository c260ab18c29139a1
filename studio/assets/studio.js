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
  const adapter = await gpu.requestAdapter().catch(() => null);
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
  for (let i = 0; i < options.maxNewTokens; i++) {
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
    tokensPerSecond: ids.length > 1 && decodeMs > 0 ? (ids.length - 1) / (decodeMs / 1e3) : 0
  };
}

// lib/kernels/strided.ts
function odometer(arity, body2) {
  const ids = Array.from({
    length: arity
  }, (_, i) => i);
  const each = (f, sep = "; ") => ids.map(f).join(sep);
  return `
    let outer = 1;
    for (let d = 0; d < last; d++) outer *= shape[d];
    const idx = new Int32Array(last > 0 ? last : 1);
    ${each((i) => `let p${i} = v${i}.offset`)};
    for (let r = 0; r < outer; r++) {
      ${body2}
      for (let d = last - 1; d >= 0; d--) {
        ${each((i) => `p${i} += s${i}[d]`)};
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
        ${each((i) => `p${i} -= s${i}[d] * shape[d]`)};
      }
    }`;
}
var elementwiseCache = /* @__PURE__ */ new Map();
function elementwise(arity, expr, prelude = "") {
  const key = `${arity}:${expr}:${prelude}`;
  let kernel = elementwiseCache.get(key);
  if (kernel) return kernel;
  const ids = Array.from({
    length: arity
  }, (_, i) => i);
  const each = (f) => ids.map(f).join("; ");
  const source = `
    ${prelude}
    ${each((i) => `const v${i} = inputs[${i}], d${i} = v${i}.data, s${i} = v${i}.strides`)};
    if (shape.length === 0) {
      ${each((i) => `const x${i} = d${i}[v${i}.offset]`)};
      out[0] = ${expr};
      return;
    }
    const last = shape.length - 1, inner = shape[last];
    ${each((i) => `const t${i} = s${i}[last]`)};
    let o = 0;
    ${odometer(arity, `for (let k = 0; k < inner; k++) {
        ${each((i) => `const x${i} = d${i}[p${i} + k * t${i}]`)};
        out[o++] = ${expr};
      }`)}`;
  kernel = new Function("out", "shape", "inputs", source);
  elementwiseCache.set(key, kernel);
  return kernel;
}
var reduceCache = /* @__PURE__ */ new Map();
function reduce(r) {
  const key = `${r.init}|${r.step}|${r.result}`;
  let kernel = reduceCache.get(key);
  if (kernel) return kernel;
  const source = `
    const n = shape[dim], rs = input.strides[dim], d0 = input.data;
    const keep = [];
    const s0 = [];
    for (let d = 0; d < shape.length; d++) {
      if (d !== dim) { keep.push(shape[d]); s0.push(input.strides[d]); }
    }
    shape = keep;
    const v0 = input;
    const last = shape.length;
    let o = 0;
    ${odometer(1, `${r.init};
      for (let k = 0; k < n; k++) {
        const x = d0[p0 + k * rs];
        ${r.step};
      }
      out[o++] = ${r.result};`)}`;
  kernel = new Function("out", "shape", "input", "dim", source);
  reduceCache.set(key, kernel);
  return kernel;
}

// lib/kernels/matmul.ts
function matrixOf(v, offset) {
  const n = v.strides.length;
  return {
    data: v.data,
    offset,
    rowStride: v.strides[n - 2],
    colStride: v.strides[n - 1]
  };
}
var TILE = 4;
function packA(a, i0, M, K, pa) {
  const { data, rowStride, colStride } = a;
  for (let r = 0; r < TILE; r++) {
    let p = a.offset + (i0 + r) * rowStride;
    if (i0 + r >= M) {
      for (let k = 0; k < K; k++) pa[k * TILE + r] = 0;
      continue;
    }
    for (let k = 0; k < K; k++, p += colStride) pa[k * TILE + r] = data[p];
  }
}
function packB(b, N, K, pb) {
  const { data, rowStride, colStride } = b;
  const panels = Math.ceil(N / TILE);
  for (let jp = 0; jp < panels; jp++) {
    const base = jp * K * TILE;
    for (let c = 0; c < TILE; c++) {
      const j = jp * TILE + c;
      if (j >= N) {
        for (let k = 0; k < K; k++) pb[base + k * TILE + c] = 0;
        continue;
      }
      let p = b.offset + j * colStride;
      for (let k = 0; k < K; k++, p += rowStride) pb[base + k * TILE + c] = data[p];
    }
  }
}
function packedProduct(out, outOffset, M, N, K, a, pb) {
  const pa = new Float32Array(K * TILE);
  const panels = Math.ceil(N / TILE);
  for (let i0 = 0; i0 < M; i0 += TILE) {
    packA(a, i0, M, K, pa);
    const rows = Math.min(TILE, M - i0);
    for (let jp = 0; jp < panels; jp++) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let pbi = jp * K * TILE;
      for (let pai = 0, end = K * TILE; pai < end; pai += TILE, pbi += TILE) {
        const a0 = pa[pai], a1 = pa[pai + 1], a2 = pa[pai + 2], a3 = pa[pai + 3];
        const b0 = pb[pbi], b1 = pb[pbi + 1], b2 = pb[pbi + 2], b3 = pb[pbi + 3];
        c00 += a0 * b0, c01 += a0 * b1, c02 += a0 * b2, c03 += a0 * b3;
        c10 += a1 * b0, c11 += a1 * b1, c12 += a1 * b2, c13 += a1 * b3;
        c20 += a2 * b0, c21 += a2 * b1, c22 += a2 * b2, c23 += a2 * b3;
        c30 += a3 * b0, c31 += a3 * b1, c32 += a3 * b2, c33 += a3 * b3;
      }
      const o = outOffset + i0 * N + jp * TILE;
      if (rows === TILE && jp * TILE + TILE <= N) {
        out[o] = c00, out[o + 1] = c01, out[o + 2] = c02, out[o + 3] = c03;
        out[o + N] = c10, out[o + N + 1] = c11, out[o + N + 2] = c12, out[o + N + 3] = c13;
        const o2 = o + 2 * N, o3 = o + 3 * N;
        out[o2] = c20, out[o2 + 1] = c21, out[o2 + 2] = c22, out[o2 + 3] = c23;
        out[o3] = c30, out[o3 + 1] = c31, out[o3 + 2] = c32, out[o3 + 3] = c33;
      } else {
        const block = [
          c00,
          c01,
          c02,
          c03,
          c10,
          c11,
          c12,
          c13,
          c20,
          c21,
          c22,
          c23,
          c30,
          c31,
          c32,
          c33
        ];
        const cols = Math.min(TILE, N - jp * TILE);
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) out[o + r * N + c] = block[r * TILE + c];
        }
      }
    }
  }
}
function streamedProduct(out, outOffset, M, N, K, a, b) {
  const row = new Float64Array(K);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) row[k] = a.data[a.offset + i * a.rowStride + k * a.colStride];
    const o = outOffset + i * N;
    if (b.rowStride === 1 && b.colStride !== 1) {
      for (let j = 0; j < N; j++) {
        const p = b.offset + j * b.colStride;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0, k = 0;
        for (; k + 3 < K; k += 4) {
          s0 += row[k] * b.data[p + k];
          s1 += row[k + 1] * b.data[p + k + 1];
          s2 += row[k + 2] * b.data[p + k + 2];
          s3 += row[k + 3] * b.data[p + k + 3];
        }
        for (; k < K; k++) s0 += row[k] * b.data[p + k];
        out[o + j] = s0 + s1 + s2 + s3;
      }
      continue;
    }
    const acc = new Float64Array(N);
    for (let k = 0; k < K; k++) {
      const aik = row[k];
      const cs = b.colStride;
      for (let j = 0, p = b.offset + k * b.rowStride; j < N; j++, p += cs) {
        acc[j] += aik * b.data[p];
      }
    }
    out.set(acc, o);
  }
}
function matmulInto(out, outOffset, M, N, K, a, b, packedB) {
  if (M < TILE && !packedB) return streamedProduct(out, outOffset, M, N, K, a, b);
  packedProduct(out, outOffset, M, N, K, a, packedB ?? packRight(b, N, K));
}
function packRight(b, N, K) {
  const pb = new Float32Array(Math.ceil(N / TILE) * TILE * K);
  packB(b, N, K, pb);
  return pb;
}

// lib/shape.ts
function formatShape(shape) {
  return `[${shape.join(", ")}]`;
}
function numelOf(shape) {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}
function contiguousStrides(shape) {
  const strides = new Array(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}
function normalizeDim(dim, ndim, op) {
  if (!Number.isInteger(dim) || dim < -ndim || dim >= ndim) {
    const range = ndim === 0 ? "a 0-d tensor has no dimensions" : `expected ${-ndim}..${ndim - 1}`;
    throw new RangeError(`${op}: dimension ${dim} is out of range (${range})`);
  }
  return dim < 0 ? dim + ndim : dim;
}
function checkShape(shape, op) {
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) {
      throw new TypeError(`${op}: invalid shape ${formatShape(shape)}: sizes must be non-negative integers`);
    }
  }
  return [
    ...shape
  ];
}
function broadcastShapes(a, b, op) {
  const n = Math.max(a.length, b.length);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast (dimension ${i - n}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}
function broadcastStrides(shape, strides, target) {
  const out = new Array(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    out[lead + i] = shape[i] === 1 && target[lead + i] !== 1 ? 0 : strides[i];
  }
  return out;
}

// lib/trace_hook.ts
var active = null;
var hidden = 0;
function emit(op, inputs, attrs, output) {
  if (active && hidden === 0) active.record(op, inputs, attrs, output);
  return output;
}
function rawRead(tensor, how) {
  if (active && hidden === 0) active.rawRead(tensor, how);
}

// lib/tensor.ts
var unaryKernels = {
  Neg: "-x0",
  Exp: "Math.exp(x0)",
  Log: "Math.log(x0)",
  Sqrt: "Math.sqrt(x0)",
  Tanh: "Math.tanh(x0)",
  Abs: "Math.abs(x0)",
  Reciprocal: "1 / x0",
  Erf: "erf(x0)",
  Identity: "x0"
};
var binaryKernels = {
  Add: "x0 + x1",
  Sub: "x0 - x1",
  Mul: "x0 * x1",
  Div: "x0 / x1",
  Pow: "Math.pow(x0, x1)",
  Max: "(x0 > x1 || x0 !== x0) ? x0 : x1",
  Min: "(x0 < x1 || x0 !== x0) ? x0 : x1",
  Equal: "x0 === x1 ? 1 : 0",
  Less: "x0 < x1 ? 1 : 0",
  Greater: "x0 > x1 ? 1 : 0"
};
var reductions = {
  ReduceSum: {
    init: "let acc = 0",
    step: "acc += x",
    result: "acc"
  },
  ReduceMean: {
    init: "let acc = 0",
    step: "acc += x",
    result: "acc / n"
  },
  ReduceMax: {
    init: "let acc = -Infinity",
    step: "if (x > acc || x !== x) acc = x",
    result: "n === 0 ? NaN : acc"
  },
  ArgMax: {
    init: "let best = -Infinity, at = 0",
    step: "if (x > best || (x !== x && best === best)) { best = x; at = k; }",
    result: "at"
  }
};
var erfSource = `
function erf(x) {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x, sum = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return sum * 1.1283791670955126;
  }
  if (ax > 6) return Math.sign(x);
  let f = 0;
  for (let n = 60; n >= 1; n--) f = (n / 2) / (ax + f);
  const erfc = Math.exp(-ax * ax) / (ax + f) * 0.5641895835477563;
  return Math.sign(x) * (1 - erfc);
}`;
function unaryKernel(op) {
  return elementwise(1, unaryKernels[op], op === "Erf" ? erfSource : "");
}
var TensorError = class extends Error {
  /** @param message what could not be done and why */
  constructor(message) {
    super(message);
    this.name = "TensorError";
  }
};
var nextId = 1;
var Tensor = class _Tensor {
  /** Size along each dimension. */
  shape;
  /** Step in the storage per unit step of each dimension. */
  strides;
  /** Where element `[0, 0, ...]` sits in the storage. */
  offset;
  /** A number unique to this tensor object (tracers use it as a name). */
  id = nextId++;
  #storage;
  /**
   * Wraps a storage buffer; most code uses {@linkcode tensor}, {@linkcode Tensor.zeros} and
   * friends instead.
   *
   * @param storage the buffer (shared, not copied)
   * @param shape the size of each dimension
   * @param strides steps per dimension (row-major by default)
   * @param offset index of the first element
   * @throws {RangeError} when the shape needs more elements than a contiguous `storage` holds
   */
  constructor(storage, shape, strides, offset = 0) {
    const checked = checkShape(shape, "Tensor");
    if (!strides && numelOf(checked) + offset > storage.length) {
      throw new RangeError(`Cannot make a tensor of shape ${formatShape(checked)} (${numelOf(checked)} elements) from a buffer of ${storage.length - offset} elements`);
    }
    this.#storage = storage;
    this.shape = Object.freeze(checked);
    this.strides = Object.freeze(strides ? [
      ...strides
    ] : contiguousStrides(checked));
    this.offset = offset;
  }
  // ---------------------------------------------------------------- creation
  /**
   * A tensor of zeros.
   *
   * @param shape the shape
   * @returns the new tensor
   */
  static zeros(shape) {
    return _Tensor.full(shape, 0);
  }
  /**
   * A tensor of ones.
   *
   * @param shape the shape
   * @returns the new tensor
   */
  static ones(shape) {
    return _Tensor.full(shape, 1);
  }
  /**
   * A tensor filled with one value.
   *
   * @param shape the shape
   * @param value the fill value
   * @returns the new tensor
   */
  static full(shape, value) {
    const s = checkShape(shape, "full");
    const out = new _Tensor(new Float32Array(numelOf(s)).fill(value), s);
    return emit("Full", [], {
      shape: s,
      value
    }, out);
  }
  /**
   * The integers `start, start + step, ...` below `end`, like `torch.arange`.
   *
   * @param start first value (or `end` when called with one argument)
   * @param end bound, exclusive
   * @param step increment
   * @returns a 1-d tensor
   * @example
   * ```ts
   * import { Tensor } from "./tensor.ts";
   * Tensor.arange(3).toNested(); // [0, 1, 2]
   * ```
   */
  static arange(start, end, step = 1) {
    if (end === void 0) [start, end] = [
      0,
      start
    ];
    if (step === 0) throw new RangeError("arange: step must not be 0");
    const n = Math.max(0, Math.ceil((end - start) / step));
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = start + i * step;
    return emit("Range", [], {
      start,
      end,
      step
    }, new _Tensor(data, [
      n
    ]));
  }
  /**
   * Concatenates tensors along an existing dimension, like `torch.cat`.
   *
   * @param tensors tensors with equal shapes except along `dim`
   * @param dim the dimension to join along
   * @returns the joined tensor
   * @throws {RangeError} naming the shapes when they do not fit
   */
  static cat(tensors, dim = 0) {
    if (tensors.length === 0) throw new RangeError("cat: expected at least one tensor");
    const first = tensors[0];
    const d = normalizeDim(dim, first.ndim, "cat");
    for (const t of tensors) {
      const ok = t.ndim === first.ndim && t.shape.every((s, i) => i === d || s === first.shape[i]);
      if (!ok) {
        throw new RangeError(`cat: shapes ${tensors.map((x) => formatShape(x.shape)).join(", ")} do not match outside dimension ${dim}`);
      }
    }
    const shape = [
      ...first.shape
    ];
    shape[d] = tensors.reduce((n, t) => n + t.shape[d], 0);
    const out = new Float32Array(numelOf(shape));
    const outStrides = contiguousStrides(shape);
    let at = 0;
    for (const t of tensors) {
      const part = new _Tensor(out, t.shape, outStrides, at * outStrides[d]);
      part.#copyFrom(t);
      at += t.shape[d];
    }
    return emit("Concat", tensors, {
      axis: d
    }, new _Tensor(out, shape));
  }
  /**
   * Picks `a` where `condition` is non-zero and `b` elsewhere, with broadcasting.
   *
   * @param condition 0/1 (or any) values
   * @param a values where the condition holds
   * @param b values elsewhere
   * @returns the selection
   */
  static where(condition, a, b) {
    const ta = asTensor(a), tb = asTensor(b);
    const shape = broadcastShapes(broadcastShapes(condition.shape, ta.shape, "where"), tb.shape, "where");
    const out = new Float32Array(numelOf(shape));
    elementwise(3, "x0 !== 0 ? x1 : x2")(out, shape, [
      broadcastView(condition, shape),
      broadcastView(ta, shape),
      broadcastView(tb, shape)
    ]);
    return emit("Where", [
      condition,
      ta,
      tb
    ], {}, new _Tensor(out, shape));
  }
  // ---------------------------------------------------------------- inspection
  /** Number of dimensions. */
  get ndim() {
    return this.shape.length;
  }
  /** Number of elements. */
  get numel() {
    return numelOf(this.shape);
  }
  size(dim) {
    if (dim === void 0) return [
      ...this.shape
    ];
    return this.shape[normalizeDim(dim, this.ndim, "size")];
  }
  /** Whether the elements are laid out row-major without gaps, so `view` always works. */
  isContiguous() {
    let expected = 1;
    for (let i = this.ndim - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expected) return false;
      expected *= this.shape[i];
    }
    return true;
  }
  /**
   * The elements in row-major order. For a contiguous tensor this shares the storage (writes
   * show in the tensor, as with `torch.Tensor.numpy()`); otherwise it is a copy.
   */
  get data() {
    rawRead(this, "data");
    return this.#rowMajor();
  }
  /**
   * The single element of a one-element tensor.
   *
   * @returns the value
   * @throws {RangeError} when the tensor has more than one element
   */
  item() {
    if (this.numel !== 1) {
      throw new RangeError(`item: only a one-element tensor has an item, this one has shape ${formatShape(this.shape)}`);
    }
    rawRead(this, "item()");
    return this.#storage[this.offset];
  }
  /**
   * The elements as nested arrays, like `torch.Tensor.tolist`.
   *
   * @returns nested arrays (a plain number for a 0-d tensor)
   */
  toNested() {
    rawRead(this, "toNested()");
    const flat = this.#rowMajor();
    let at = 0;
    const build = (d) => {
      if (d === this.ndim) return flat[at++];
      return Array.from({
        length: this.shape[d]
      }, () => build(d + 1));
    };
    return build(0);
  }
  /** Prints like `tensor([[1, 2], [3, 4]])`, eliding the middle of long dimensions. */
  toString() {
    const flat = this.#rowMajor();
    const fmt = (v) => Number.isInteger(v) ? String(v) : v.toPrecision(4);
    const show = (d, at) => {
      if (d === this.ndim) return fmt(flat[at]);
      const n = this.shape[d], step = numelOf(this.shape.slice(d + 1));
      const idx = n > 6 ? [
        0,
        1,
        2,
        -1,
        n - 3,
        n - 2,
        n - 1
      ] : [
        ...Array(n).keys()
      ];
      const parts = idx.map((i) => i < 0 ? "..." : show(d + 1, at + i * step));
      return `[${parts.join(", ")}]`;
    };
    return `tensor(${show(0, 0)}, shape=${formatShape(this.shape)})`;
  }
  /** Deno's console.log hook. */
  [Symbol.for("Deno.customInspect")]() {
    return this.toString();
  }
  // ---------------------------------------------------------------- elementwise
  /**
   * `this + other`, broadcasting.
   *
   * @param other tensor or number
   * @returns the sum
   */
  add(other) {
    return binary("Add", "add", this, other);
  }
  /**
   * `this - other`, broadcasting.
   *
   * @param other tensor or number
   * @returns the difference
   */
  sub(other) {
    return binary("Sub", "sub", this, other);
  }
  /**
   * `this * other` elementwise, broadcasting.
   *
   * @param other tensor or number
   * @returns the product
   */
  mul(other) {
    return binary("Mul", "mul", this, other);
  }
  /**
   * `this / other` elementwise, broadcasting.
   *
   * @param other tensor or number
   * @returns the quotient
   */
  div(other) {
    return binary("Div", "div", this, other);
  }
  /**
   * `this ** exponent` elementwise, broadcasting.
   *
   * @param exponent tensor or number
   * @returns the power
   */
  pow(exponent) {
    return binary("Pow", "pow", this, exponent);
  }
  /**
   * Elementwise maximum (NaN wins), broadcasting.
   *
   * @param other tensor or number
   * @returns the maximum
   */
  maximum(other) {
    return binary("Max", "maximum", this, other);
  }
  /**
   * Elementwise minimum (NaN wins), broadcasting.
   *
   * @param other tensor or number
   * @returns the minimum
   */
  minimum(other) {
    return binary("Min", "minimum", this, other);
  }
  /**
   * 1 where `this == other`, else 0.
   *
   * @param other tensor or number
   * @returns the 0/1 mask
   */
  eq(other) {
    return binary("Equal", "eq", this, other);
  }
  /**
   * 1 where `this < other`, else 0.
   *
   * @param other tensor or number
   * @returns the 0/1 mask
   */
  lt(other) {
    return binary("Less", "lt", this, other);
  }
  /**
   * 1 where `this > other`, else 0.
   *
   * @param other tensor or number
   * @returns the 0/1 mask
   */
  gt(other) {
    return binary("Greater", "gt", this, other);
  }
  /** `-this`. */
  neg() {
    return unary("Neg", this);
  }
  /** `e ** this`. */
  exp() {
    return unary("Exp", this);
  }
  /** Natural logarithm. */
  log() {
    return unary("Log", this);
  }
  /** Square root. */
  sqrt() {
    return unary("Sqrt", this);
  }
  /** Hyperbolic tangent. */
  tanh() {
    return unary("Tanh", this);
  }
  /** Absolute value. */
  abs() {
    return unary("Abs", this);
  }
  /** `1 / this`. */
  reciprocal() {
    return unary("Reciprocal", this);
  }
  /** The Gauss error function, as used by the exact GELU. */
  erf() {
    return unary("Erf", this);
  }
  /**
   * Replaces the elements where `mask` is non-zero by `value`, like `masked_fill`.
   *
   * @param mask 0/1 tensor broadcastable to this one's shape
   * @param value the fill value (e.g. `-Infinity` to mask attention scores)
   * @returns the filled tensor (a new one; this one is unchanged)
   * @throws {RangeError} naming both shapes when the mask does not broadcast
   */
  maskedFill(mask, value) {
    broadcastShapes(this.shape, mask.shape, "maskedFill");
    return _Tensor.where(mask, value, this);
  }
  // ---------------------------------------------------------------- reductions
  /**
   * Sum over one dimension, or of all elements when `dim` is omitted.
   *
   * @param dim the dimension to reduce
   * @param keepdim keep the reduced dimension with size 1
   * @returns the sums
   */
  sum(dim, keepdim = false) {
    return reduceOp("ReduceSum", "sum", this, dim, keepdim);
  }
  /**
   * Mean over one dimension, or of all elements when `dim` is omitted.
   *
   * @param dim the dimension to reduce
   * @param keepdim keep the reduced dimension with size 1
   * @returns the means
   */
  mean(dim, keepdim = false) {
    return reduceOp("ReduceMean", "mean", this, dim, keepdim);
  }
  /**
   * Maximum over one dimension, or of all elements when `dim` is omitted (values only).
   *
   * @param dim the dimension to reduce
   * @param keepdim keep the reduced dimension with size 1
   * @returns the maxima
   */
  max(dim, keepdim = false) {
    return reduceOp("ReduceMax", "max", this, dim, keepdim);
  }
  /**
   * Index of the (first) maximum over one dimension, or into the flattened tensor.
   *
   * @param dim the dimension to reduce
   * @param keepdim keep the reduced dimension with size 1
   * @returns the indices, as float32 integers
   */
  argmax(dim, keepdim = false) {
    return reduceOp("ArgMax", "argmax", this, dim, keepdim);
  }
  // ---------------------------------------------------------------- matmul
  /**
   * Matrix product with PyTorch's rules: 1-d operands are promoted (and the added dimension
   * removed), leading (batch) dimensions broadcast.
   *
   * @param other the right operand
   * @returns the product
   * @throws {RangeError} naming both shapes when the inner sizes differ or the batch dimensions
   *   do not broadcast
   * @example
   * ```ts
   * import { Tensor } from "./tensor.ts";
   * Tensor.ones([2, 5, 3]).matmul(Tensor.ones([3, 4])).shape; // [2, 5, 4]
   * ```
   */
  matmul(other) {
    if (this.ndim === 0 || other.ndim === 0) {
      throw new RangeError(`matmul: both operands need at least one dimension, got ${formatShape(this.shape)} and ${formatShape(other.shape)}`);
    }
    const a = this.ndim === 1 ? this.#reshaped([
      1,
      this.shape[0]
    ]) : this;
    const b = other.ndim === 1 ? other.#reshaped([
      other.shape[0],
      1
    ]) : other;
    const [M, K] = a.shape.slice(-2), [K2, N] = b.shape.slice(-2);
    if (K !== K2) {
      throw new RangeError(`matmul: shapes ${formatShape(this.shape)} and ${formatShape(other.shape)} cannot be multiplied (${K} columns vs ${K2} rows)`);
    }
    const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
    let batch;
    try {
      batch = broadcastShapes(batchA, batchB, "matmul");
    } catch {
      throw new RangeError(`matmul: shapes ${formatShape(this.shape)} and ${formatShape(other.shape)} cannot be multiplied (batch dimensions ${formatShape(batchA)} and ${formatShape(batchB)} do not broadcast)`);
    }
    const av = broadcastView(a, [
      ...batch,
      M,
      K
    ]), bv = broadcastView(b, [
      ...batch,
      K,
      N
    ]);
    const nb = numelOf(batch);
    const out = new Float32Array(nb * M * N);
    const bStrides = bv.strides.slice(0, -2);
    const sharedB = bStrides.every((s) => s === 0) && M >= 4;
    const packed = sharedB && nb > 1 ? packRight(matrixOf(bv, bv.offset), N, K) : void 0;
    const bStrideOf = contiguousStrides(batch);
    for (let i = 0; i < nb; i++) {
      let ao = av.offset, bo = bv.offset;
      for (let d = 0, rest = i; d < batch.length; d++) {
        const idx = Math.floor(rest / bStrideOf[d]);
        rest -= idx * bStrideOf[d];
        ao += idx * av.strides[d];
        bo += idx * bv.strides[d];
      }
      matmulInto(out, i * M * N, M, N, K, matrixOf(av, ao), matrixOf(bv, bo), packed);
    }
    let shape = [
      ...batch,
      M,
      N
    ];
    if (other.ndim === 1) shape = shape.slice(0, -1);
    if (this.ndim === 1) shape.splice(shape.length - (other.ndim === 1 ? 1 : 2), 1);
    return emit("MatMul", [
      this,
      other
    ], {}, new _Tensor(out, shape));
  }
  // ---------------------------------------------------------------- movement (views)
  /**
   * The same elements with another shape, sharing the storage; like `torch.Tensor.view`,
   * it needs strides that allow it (use {@linkcode Tensor.reshape} otherwise). One size may be
   * `-1`, inferred from the others.
   *
   * @param shape the new shape
   * @returns the view
   * @throws {RangeError} when the element counts differ
   * @throws {TensorError} when the strides do not allow a view (e.g. after `transpose`)
   */
  view(...shape) {
    const target = inferShape(this.shape, shape, "view");
    const strides = viewStrides(this.shape, this.strides, target);
    if (!strides) {
      throw new TensorError(`view: cannot view a tensor of shape ${formatShape(this.shape)} with strides ${formatShape(this.strides)} as ${formatShape(target)}: the elements are not laid out row-major (after transpose or permute?). Call .contiguous() first, or use .reshape()`);
    }
    const out = new _Tensor(this.#storage, target, strides, this.offset);
    return emit("Reshape", [
      this
    ], {
      shape: target
    }, out);
  }
  /**
   * Like {@linkcode Tensor.view}, but copies when the strides do not allow a view.
   *
   * @param shape the new shape (one size may be `-1`)
   * @returns the reshaped tensor
   */
  reshape(...shape) {
    const target = inferShape(this.shape, shape, "reshape");
    return emit("Reshape", [
      this
    ], {
      shape: target
    }, this.#reshaped(target));
  }
  /**
   * Swaps two dimensions (a view).
   *
   * @param dim0 one dimension
   * @param dim1 the other
   * @returns the transposed view
   */
  transpose(dim0, dim1) {
    const perm = [
      ...this.shape.keys()
    ];
    const a = normalizeDim(dim0, this.ndim, "transpose");
    const b = normalizeDim(dim1, this.ndim, "transpose");
    [perm[a], perm[b]] = [
      perm[b],
      perm[a]
    ];
    return this.permute(...perm);
  }
  /**
   * Reorders the dimensions (a view): dimension `i` of the result is `dims[i]` of this one.
   *
   * @param dims a permutation of `0..ndim-1` (negative allowed)
   * @returns the permuted view
   */
  permute(...dims) {
    const perm = dims.map((d) => normalizeDim(d, this.ndim, "permute"));
    if (perm.length !== this.ndim || new Set(perm).size !== perm.length) {
      throw new RangeError(`permute: [${dims.join(", ")}] is not a permutation of the ${this.ndim} dimensions of a tensor of shape ${formatShape(this.shape)}`);
    }
    const out = new _Tensor(this.#storage, perm.map((d) => this.shape[d]), perm.map((d) => this.strides[d]), this.offset);
    return emit("Transpose", [
      this
    ], {
      perm
    }, out);
  }
  /**
   * Repeats size-1 dimensions (a view with stride 0), like `torch.Tensor.expand`; `-1` keeps a
   * size.
   *
   * @param shape the target shape
   * @returns the expanded view
   */
  expand(...shape) {
    const lead = shape.length - this.ndim;
    const target = shape.map((s, i) => s === -1 && i >= lead ? this.shape[i - lead] : s);
    const fits = lead >= 0 && this.shape.every((s, i) => s === 1 || s === target[lead + i]);
    if (!fits || target.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new RangeError(`expand: cannot expand shape ${formatShape(this.shape)} to ${formatShape(shape)}`);
    }
    const v = broadcastView(this, target);
    const out = new _Tensor(this.#storage, target, v.strides, this.offset);
    return emit("Expand", [
      this
    ], {
      shape: target
    }, out);
  }
  /**
   * Elements `start <= i < end` (step `step`) along one dimension (a view), like
   * `x[:, start:end]`. Bounds are clamped as Python slices are; negative bounds count from the
   * end.
   *
   * @param dim the dimension
   * @param start first index
   * @param end bound, exclusive (default: the size)
   * @param step stride, positive
   * @returns the sliced view
   */
  slice(dim, start = 0, end, step = 1) {
    const d = normalizeDim(dim, this.ndim, "slice");
    if (!Number.isInteger(step) || step < 1) {
      throw new RangeError(`slice: step must be a positive integer, got ${step}`);
    }
    const n = this.shape[d];
    const clamp = (i) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
    const s = clamp(start), e = Math.max(clamp(end ?? n), s);
    const shape = [
      ...this.shape
    ], strides = [
      ...this.strides
    ];
    shape[d] = Math.ceil((e - s) / step);
    strides[d] *= step;
    const out = new _Tensor(this.#storage, shape, strides, this.offset + s * this.strides[d]);
    return emit("Slice", [
      this
    ], {
      dim: d,
      start: s,
      end: e,
      step,
      from: start,
      to: end
    }, out);
  }
  /**
   * Elements `start .. start + length - 1` of one dimension (a view), like `torch.narrow`.
   *
   * @param dim the dimension
   * @param start first index (negative counts from the end)
   * @param length how many
   * @returns the view
   * @throws {RangeError} when the range does not lie inside the dimension
   */
  narrow(dim, start, length) {
    const d = normalizeDim(dim, this.ndim, "narrow");
    const n = this.shape[d], s = start < 0 ? start + n : start;
    if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > n) {
      throw new RangeError(`narrow: [${start}, ${start + length}) is outside dimension ${dim} of size ${n}`);
    }
    return this.slice(d, s, s + length);
  }
  /**
   * The sub-tensor at `index` of one dimension, which is removed (a view), like `x[:, i]`.
   *
   * @param dim the dimension
   * @param index the position (negative counts from the end)
   * @returns the view
   */
  select(dim, index) {
    const d = normalizeDim(dim, this.ndim, "select");
    const n = this.shape[d];
    if (!Number.isInteger(index) || index < -n || index >= n) {
      throw new RangeError(`select: index ${index} is out of range for dimension ${dim} of size ${n}`);
    }
    return this.slice(d, index, index === -1 ? void 0 : index + 1).squeeze(d);
  }
  /**
   * Inserts a size-1 dimension at `dim`.
   *
   * @param dim where the new dimension goes (`-1` appends)
   * @returns the view
   */
  unsqueeze(dim) {
    const d = normalizeDim(dim, this.ndim + 1, "unsqueeze");
    const shape = [
      ...this.shape
    ];
    shape.splice(d, 0, 1);
    return this.view(...shape);
  }
  /**
   * Removes size-1 dimensions: the one at `dim`, or all of them.
   *
   * @param dim the dimension to remove (left unchanged when its size is not 1)
   * @returns the view
   */
  squeeze(dim) {
    const d = dim === void 0 ? -1 : normalizeDim(dim, this.ndim, "squeeze");
    const keep = (_, i) => this.shape[i] !== 1 || d !== -1 && i !== d;
    const shape = this.shape.filter(keep), strides = this.strides.filter(keep);
    const out = new _Tensor(this.#storage, shape, strides, this.offset);
    return emit("Reshape", [
      this
    ], {
      shape
    }, out);
  }
  /**
   * Splits into pieces of `size` along `dim` (the last may be smaller), or into the given
   * sizes, like `torch.split`; the pieces are views.
   *
   * @param size size of each piece, or the list of sizes
   * @param dim the dimension
   * @returns the pieces
   * @throws {RangeError} when `size` is not a positive integer or the sizes do not add up
   * @example
   * ```ts
   * import { Tensor } from "./tensor.ts";
   * const [q, k, v] = Tensor.zeros([1, 4, 6]).split(2, 2);
   * q.shape; // [1, 4, 2]
   * ```
   */
  split(size, dim = 0) {
    const d = normalizeDim(dim, this.ndim, "split");
    const n = this.shape[d];
    if (typeof size === "number" && !(Number.isInteger(size) && size > 0)) {
      throw new RangeError(`split: size must be a positive integer, got ${size}`);
    }
    const sizes = typeof size === "number" ? Array.from({
      length: Math.max(1, Math.ceil(n / size))
    }, (_, i) => Math.min(size, n - i * size)) : [
      ...size
    ];
    if (sizes.reduce((a, b) => a + b, 0) !== n || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new RangeError(`split: sizes [${sizes.join(", ")}] do not add up to dimension ${dim} of size ${n}`);
    }
    let at = 0;
    return sizes.map((s) => this.slice(d, at, at += s));
  }
  /**
   * Splits into `chunks` equal pieces along `dim` (the last may be smaller), like `torch.chunk`.
   *
   * @param chunks number of pieces
   * @param dim the dimension
   * @returns the pieces
   * @throws {RangeError} when `chunks` is not a positive integer
   */
  chunk(chunks, dim = 0) {
    const n = this.shape[normalizeDim(dim, this.ndim, "chunk")];
    if (!Number.isInteger(chunks) || chunks < 1) {
      throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
    }
    return this.split(Math.max(1, Math.ceil(n / chunks)), dim);
  }
  /** A contiguous copy when the layout needs one, otherwise this tensor. */
  contiguous() {
    return this.isContiguous() ? this : this.clone();
  }
  /** A contiguous copy that shares nothing with this tensor. */
  clone() {
    return emit("Identity", [
      this
    ], {}, new _Tensor(this.#rowMajor(true), this.shape));
  }
  // ---------------------------------------------------------------- indexing
  /**
   * Picks the entries `indices` along dimension `dim`, like `torch.index_select` (an embedding
   * lookup is `weight.indexSelect(0, ids)`); `indices` may have any shape, which replaces
   * dimension `dim` in the result.
   *
   * @param dim the dimension to index
   * @param indices integer positions (float32 integers)
   * @returns the gathered tensor
   * @throws {RangeError} naming the first index out of range
   */
  indexSelect(dim, indices) {
    const d = normalizeDim(dim, this.ndim, "indexSelect");
    const n = this.shape[d];
    const ids = indices.#rowMajor();
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= n) {
        throw new RangeError(`index ${id} is out of range for dimension ${d} of size ${n} (at position ${i} of the indices${indices.ndim > 1 ? ` of shape ${formatShape(indices.shape)}` : ""})`);
      }
    }
    const before = this.shape.slice(0, d), after = this.shape.slice(d + 1);
    const shape = [
      ...before,
      ...indices.shape,
      ...after
    ];
    const out = new Float32Array(numelOf(shape));
    const rowShape = [
      ...before,
      1,
      ...after
    ];
    const dest = contiguousStrides([
      ...before,
      ids.length,
      ...after
    ]);
    for (let i = 0; i < ids.length; i++) {
      const src = new _Tensor(this.#storage, rowShape, this.strides, this.offset + ids[i] * this.strides[d]);
      new _Tensor(out, rowShape, dest, i * dest[d]).#copyFrom(src);
    }
    return emit("Gather", [
      this,
      indices
    ], {
      axis: d
    }, new _Tensor(out, shape));
  }
  /**
   * The `k` largest entries along `dim`, largest first (ties: lower index first).
   *
   * @param k how many
   * @param dim the dimension
   * @returns values and their indices (float32 integers)
   */
  topk(k, dim = -1) {
    const d = normalizeDim(dim, this.ndim, "topk");
    const n = this.shape[d];
    if (!Number.isInteger(k) || k < 0 || k > n) {
      throw new RangeError(`topk: k = ${k} is out of range for dimension ${dim} of size ${n}`);
    }
    const perm = [
      ...this.shape.keys()
    ].filter((i) => i !== d).concat(d);
    const moved = rowMajorCopy(new _Tensor(this.#storage, perm.map((i) => this.shape[i]), perm.map((i) => this.strides[i]), this.offset));
    const rows = n === 0 ? 0 : moved.length / n;
    const values = new Float32Array(rows * k), indices = new Float32Array(rows * k);
    const order = new Array(n);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < n; i++) order[i] = i;
      const row = moved.subarray(r * n, (r + 1) * n);
      order.sort((a, b) => row[b] - row[a] || a - b);
      for (let i = 0; i < k; i++) {
        values[r * k + i] = row[order[i]];
        indices[r * k + i] = order[i];
      }
    }
    const movedShape = perm.map((i) => i === d ? k : this.shape[i]);
    const shape = this.shape.map((s, i) => i === d ? k : s);
    const inverse = perm.map((_, i) => perm.indexOf(i));
    const back = (buf) => {
      const strides = contiguousStrides(movedShape);
      return new _Tensor(rowMajorCopy(new _Tensor(buf, shape, inverse.map((i) => strides[i]))), shape);
    };
    const outValues = back(values), outIndices = back(indices);
    emit("TopK", [
      this
    ], {
      k,
      axis: d,
      output: "values"
    }, outValues);
    emit("TopK", [
      this
    ], {
      k,
      axis: d,
      output: "indices"
    }, outIndices);
    return {
      values: outValues,
      indices: outIndices
    };
  }
  /**
   * The lower triangle (entries with `col - row <= diagonal`), zero elsewhere, over the last
   * two dimensions, like `torch.tril`.
   *
   * @param diagonal which diagonal is the last kept (0 = main)
   * @returns the masked tensor
   */
  tril(diagonal = 0) {
    if (this.ndim < 2) throw new RangeError("tril: needs at least 2 dimensions");
    const [R, C] = this.shape.slice(-2);
    const out = this.#rowMajor(true);
    for (let base = 0; base < out.length; base += R * C) {
      for (let r = 0; r < R; r++) {
        for (let c = Math.max(0, r + diagonal + 1); c < C; c++) out[base + r * C + c] = 0;
      }
    }
    return emit("Trilu", [
      this
    ], {
      upper: 0,
      k: diagonal
    }, new _Tensor(out, this.shape));
  }
  // ---------------------------------------------------------------- internals
  /** @internal strided access for kernels in this library (not part of the public API) */
  static stridedView(t) {
    return {
      data: t.#storage,
      offset: t.offset,
      strides: t.strides
    };
  }
  /**
   * @internal the elements in row-major order without telling a tracer (for the exporter);
   * shares the storage when contiguous
   */
  static rowMajor(t) {
    return t.#rowMajor();
  }
  // Row-major elements: the storage itself when contiguous (unless `copy`), else a copy.
  #rowMajor(copy = false) {
    const n = this.numel;
    if (this.isContiguous()) {
      const view = this.#storage.subarray(this.offset, this.offset + n);
      return copy ? view.slice() : view;
    }
    return rowMajorCopy(this);
  }
  #reshaped(shape) {
    const strides = viewStrides(this.shape, this.strides, shape);
    return strides ? new _Tensor(this.#storage, shape, strides, this.offset) : new _Tensor(this.#rowMajor(true), shape);
  }
  // Copies `src` (same shape) into this (possibly strided) destination.
  #copyFrom(src) {
    const tmp = src.#rowMajor();
    const at = {
      data: tmp,
      offset: 0,
      strides: contiguousStrides(src.shape)
    };
    scatterKernel(this.#storage, this.shape, this.strides, this.offset, at);
  }
};
function scatterKernel(dest, shape, strides, offset, src) {
  const n = numelOf(shape);
  if (n === 0) return;
  const idx = new Array(shape.length).fill(0);
  let p = offset;
  for (let i = 0; i < n; i++) {
    dest[p] = src.data[src.offset + i];
    for (let d = shape.length - 1; d >= 0; d--) {
      p += strides[d];
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
      p -= strides[d] * shape[d];
    }
  }
}
function asTensor(x) {
  if (x instanceof Tensor) return x;
  if (typeof x !== "number") {
    throw new TypeError(`Expected a Tensor or a number, got ${Object.prototype.toString.call(x)}`);
  }
  return emit("Constant", [], {}, new Tensor(new Float32Array([
    x
  ]), []));
}
function broadcastView(t, shape) {
  const v = Tensor.stridedView(t);
  return {
    data: v.data,
    offset: v.offset,
    strides: broadcastStrides(t.shape, t.strides, shape)
  };
}
function unary(op, x) {
  const out = new Float32Array(x.numel);
  unaryKernel(op)(out, x.shape, [
    Tensor.stridedView(x)
  ]);
  return emit(op, [
    x
  ], {}, new Tensor(out, x.shape));
}
function rowMajorCopy(x) {
  const out = new Float32Array(x.numel);
  unaryKernel("Identity")(out, x.shape, [
    Tensor.stridedView(x)
  ]);
  return out;
}
function binary(op, name, a, b) {
  const tb = asTensor(b);
  const shape = broadcastShapes(a.shape, tb.shape, name);
  const out = new Float32Array(numelOf(shape));
  elementwise(2, binaryKernels[op])(out, shape, [
    broadcastView(a, shape),
    broadcastView(tb, shape)
  ]);
  return emit(op, [
    a,
    tb
  ], {}, new Tensor(out, shape));
}
function reduceOp(op, name, x, dim, keepdim) {
  const all = dim === void 0;
  const src = all ? new Tensor(rowMajorCopy(x), [
    x.numel
  ]) : x;
  const d = all ? 0 : normalizeDim(dim, x.ndim, name);
  const shape = src.shape.filter((_, i) => i !== d);
  const out = new Float32Array(numelOf(shape));
  reduce(reductions[op])(out, src.shape, Tensor.stridedView(src), d);
  const outShape = keepdim ? all ? x.shape.map(() => 1) : x.shape.map((s, i) => i === d ? 1 : s) : shape;
  return emit(op, [
    x
  ], {
    axis: all ? null : d,
    keepdims: keepdim
  }, new Tensor(out, outShape));
}
function inferShape(from, shape, op) {
  const known = shape.filter((s) => s !== -1);
  const holes = shape.length - known.length;
  const total = numelOf(from);
  if (holes > 1) {
    throw new RangeError(`${op}: only one dimension can be -1, got ${formatShape(shape)}`);
  }
  checkShape(known, op);
  const out = [
    ...shape
  ];
  if (holes === 1) {
    const rest = numelOf(known);
    if (rest === 0 || total % rest !== 0) {
      throw new RangeError(`${op}: cannot reshape tensor of shape ${formatShape(from)} to ${formatShape(shape)}`);
    }
    out[out.indexOf(-1)] = total / rest;
  }
  if (numelOf(out) !== total) {
    throw new RangeError(`${op}: cannot reshape tensor of shape ${formatShape(from)} to ${formatShape(out)}: ${total} elements vs ${numelOf(out)}`);
  }
  return out;
}
function viewStrides(shape, strides, target) {
  if (numelOf(shape) === 0) return contiguousStrides(target);
  const oldDims = shape.map((s, i) => [
    s,
    strides[i]
  ]).filter(([s]) => s !== 1);
  const out = new Array(target.length);
  let o = 0;
  for (let t = 0; t < target.length; ) {
    if (target[t] === 1) {
      out[t++] = 1;
      continue;
    }
    if (o >= oldDims.length) return target[t] === 0 ? (out.fill(0, t), out) : null;
    let oldSize = oldDims[o][0], newSize = target[t];
    const oStart = o, tStart = t;
    o++, t++;
    while (oldSize !== newSize) {
      if (oldSize < newSize) {
        if (o >= oldDims.length) return null;
        oldSize *= oldDims[o++][0];
      } else {
        if (t >= target.length) return null;
        if (target[t] !== 1) newSize *= target[t];
        t++;
      }
    }
    for (let i = oStart; i < o - 1; i++) {
      if (oldDims[i][1] !== oldDims[i + 1][1] * oldDims[i + 1][0]) return null;
    }
    let stride = oldDims[o - 1][1];
    for (let i = t - 1; i >= tStart; i--) {
      out[i] = stride;
      stride *= target[i];
    }
  }
  return o === oldDims.length ? out : null;
}

// lib/random.ts
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
var globalRng = new Rng(0);

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
    const feeds = {
      [INPUT_IDS]: new api2.Tensor("int64", BigInt64Array.from(ids, BigInt), [
        1,
        ids.length
      ])
    };
    (past ?? []).forEach((kv, i) => {
      feeds[cacheNames(i).pastKey] = kv.k;
      feeds[cacheNames(i).pastValue] = kv.v;
    });
    const out = await session.run(feeds);
    const logits = out[LOGITS];
    const last = (await logits.getData()).slice();
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
    this.#run.addEventListener("click", () => this.generate());
    this.#stop.addEventListener("click", () => this.#abort?.abort());
    fill(body2, h("div", {
      class: "controls"
    }, control("Prompt", this.#prompt)), h("div", {
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
    const files = this.files();
    if (this.#loaded?.files === files) return this.#loaded;
    await this.#loaded?.session.release();
    this.#loaded = void 0;
    fill(this.#status, "Exporting your model to ONNX\u2026");
    const exported = await api("/api/model", {});
    if (exported.state !== "ready") {
      fill(this.#status, learnerSide(exported, () => h("span")));
      return void 0;
    }
    const model = exported.value;
    const { backend, notices } = await chooseBackend("auto");
    fill(this.#status, `Loading it into onnxruntime-web (${backend.toUpperCase()})\u2026`);
    const runtime = await loadOrt();
    runtime.env.wasm.numThreads = 1;
    runtime.env.logLevel = "error";
    const session = await runtime.InferenceSession.create(model.graph, {
      executionProviders: [
        backend
      ],
      logSeverityLevel: 3,
      externalData: model.external.map((f) => ({
        path: f.path,
        data: f.url
      }))
    });
    this.#loaded = {
      files,
      backend,
      notices,
      cached: model.cached,
      notes: model.notes,
      session
    };
    return this.#loaded;
  }
  async #generate(loaded, signal) {
    const { config } = this.session;
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
    }, `Running in this browser on ${loaded.backend === "webgpu" ? "WebGPU" : "WASM"}${loaded.cached ? ", with your KV cache" : ""}.`), ...[
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
      const stages = await api("/api/stages");
      drawStages(body("stages"), stages);
      generate2.showStages(stages);
      const divergence = await api("/api/divergence");
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
