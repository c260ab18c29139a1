/// <reference lib="dom" />
/**
 * The page's small helpers: building elements (text is always set as text, never parsed as
 * HTML, so nothing the learner's code returns can inject markup) and calling the API.
 *
 * @module
 */

type Child = Node | string | null | undefined | false;

/**
 * Makes an element.
 *
 * @param tag the tag, e.g. `"div"`
 * @param attrs attributes (`class`, `data-*`, ...); `undefined` values are left out
 * @param children nodes or text
 * @returns the element
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/**
 * Replaces an element's content.
 *
 * @param el the element
 * @param children the new content
 */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren(...children.filter((c): c is Node | string => !!c || c === ""));
}

/**
 * A text box that calls `changed` once the learner has stopped typing for a moment.
 *
 * @param attrs the input's attributes (`value`, `aria-label`, ...)
 * @param changed what to do with the new text
 * @param ms how long a pause counts as stopped
 * @returns the input
 */
export function textInput(
  attrs: Record<string, string>,
  changed: () => void,
  ms = 400,
): HTMLInputElement {
  const input = h("input", { type: "text", ...attrs });
  let timer: ReturnType<typeof setTimeout> | undefined;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(changed, ms);
  });
  return input;
}

/**
 * Runs `work` with `out` greyed out meanwhile; if it fails, `out` shows the error instead.
 *
 * @param out where the work draws
 * @param work what to do
 * @returns when it is done
 */
export async function drawing(out: Element | Element[], work: () => Promise<void>): Promise<void> {
  const all = Array.isArray(out) ? out : [out];
  for (const el of all) el.classList.add("busy");
  try {
    await work();
  } catch (e) {
    for (const el of all) fill(el, h("p", { class: "error" }, (e as Error).message));
  } finally {
    for (const el of all) el.classList.remove("busy");
  }
}

/** The API's answer to a bad request, or the studio's failure. */
export class ApiError extends Error {}

/**
 * Calls the studio's API.
 *
 * @param path e.g. `"/api/tokens"`
 * @param body the JSON to post (a GET without it)
 * @returns the answer
 * @throws {ApiError} with the server's message when it answers with an error
 */
export async function api<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(
    path,
    body === undefined ? {} : {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    },
  );
  const value = await res.json();
  if (!res.ok) throw new ApiError(value?.error ?? `${path}: HTTP ${res.status}`);
  return value as T;
}
