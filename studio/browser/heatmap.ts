/// <reference lib="dom" />
/**
 * Heatmaps on a canvas: one cell per value, a colour scale, and the cell under the pointer
 * described in a tooltip. The numbers stay in the DOM (`data-values`, row-major) for whoever
 * reads the page, tests included.
 *
 * @module
 */

/** What a heatmap draws. */
export interface HeatmapOptions {
  /** Rows. */
  rows: number;
  /** Columns. */
  cols: number;
  /** The values, row by row (`null` for a value that is not a number). */
  values: ArrayLike<number | null>;
  /** The colour of a value. */
  color: (v: number | null) => string;
  /** The width of a cell, in CSS pixels. */
  cell: number;
  /** The height of a cell (default: its width). */
  cellHeight?: number;
  /** What the tooltip says about a cell. */
  describe: (row: number, col: number, v: number | null) => string;
  /** The text written in a cell (for large cells), if any. */
  text?: (v: number | null) => string;
  /** More `data-*` attributes for the canvas. */
  data?: Record<string, string | number>;
}

/**
 * White to blue, for values in [0, 1] (attention weights, similarities above 0).
 *
 * @param v the value
 * @returns a CSS colour
 */
export function sequential(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "hsl(300 80% 40%)";
  const t = Math.min(1, Math.max(0, v));
  return `hsl(220 70% ${97 - 62 * t}%)`;
}

/**
 * Blue below 0, white at 0, red above, for values in [-1, 1] (differences, similarities).
 *
 * @param v the value
 * @returns a CSS colour
 */
export function diverging(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "hsl(300 80% 40%)";
  const t = Math.min(1, Math.abs(v));
  return `hsl(${v < 0 ? 220 : 5} 75% ${97 - 55 * t}%)`;
}

/**
 * A colour scale for errors from 0 to `max`: white to orange to dark red (square-root spaced,
 * so that small errors still show).
 *
 * @param max the largest error
 * @returns the scale
 */
export function errorScale(max: number): (v: number | null) => string {
  return (v) => {
    if (v === null || !Number.isFinite(v)) return "hsl(300 80% 40%)";
    const t = max > 0 ? Math.sqrt(Math.min(1, v / max)) : 0;
    return `hsl(${30 - 25 * t} 90% ${98 - 60 * t}%)`;
  };
}

let tooltip: HTMLElement | undefined;

function showTooltip(text: string, x: number, y: number): void {
  tooltip ??= document.getElementById("tooltip")!;
  tooltip.textContent = text;
  tooltip.hidden = false;
  tooltip.style.left = `${x + 14}px`;
  tooltip.style.top = `${y + 14}px`;
}

function hideTooltip(): void {
  if (tooltip) tooltip.hidden = true;
}

/**
 * Draws a heatmap.
 *
 * @param o what to draw
 * @returns the canvas
 */
export function heatmap(o: HeatmapOptions): HTMLCanvasElement {
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
  const g = canvas.getContext("2d")!;
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

/**
 * A number for a tooltip: 4 significant digits.
 *
 * @param v the number
 * @returns its text
 */
export function short(v: number | null): string {
  if (v === null) return "not a number";
  return Math.abs(v) >= 1e-3 || v === 0 ? String(Number(v.toPrecision(4))) : v.toExponential(2);
}

/**
 * A heatmap with its rows and columns named.
 *
 * @param canvas the heatmap
 * @param rowLabels the rows' names
 * @param colLabels the columns' names (none: no header row)
 * @param cell the side of a cell, in CSS pixels
 * @returns the labelled figure
 */
export function labelled(
  canvas: HTMLCanvasElement,
  rowLabels: string[],
  colLabels: string[],
  cell: number,
): HTMLElement {
  const figure = document.createElement("div");
  figure.className = "labelled";
  const label = (text: string, cls: string) => {
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
