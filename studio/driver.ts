/**
 * The studio driven in a real browser, for its tests and its bench: the studio started as a
 * learner starts it (`deno task studio`, with the task's own permissions), Debian's Chromium
 * driven by `playwright-core` (never a browser a tool downloads), a page that records its console
 * errors, and panel screenshots.
 *
 * Whatever needs the browser fails, saying how to install it, when `/usr/bin/chromium` is
 * missing: a test never passes without having run.
 *
 * @module
 */
import fs from "node:fs";
import type { Browser, ConsoleMessage, Page } from "playwright-core";
import { kitPath } from "../lib/paths.ts";
import { taskArgs } from "../commands/_test_helpers.ts";

/** Debian's Chromium (`apt-get install chromium`). */
export const CHROMIUM = "/usr/bin/chromium";

/** How Chromium runs in the tests: headless, no sandbox (CI runs as root), nothing fetched. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

/** A studio started by a test. */
export interface RunningStudio {
  /** The page's address, as printed. */
  url: string;
  /** When the address was printed (`performance.now()`). */
  printedAt: number;
  /**
   * Stops it (Ctrl-C) and waits for it to exit.
   *
   * @returns its exit code and what it wrote on standard error
   */
  stop(): Promise<{ code: number; stderr: string }>;
}

/**
 * Starts `deno task studio` with the given arguments and waits for it to print its address.
 *
 * @param args the studio's options, e.g. `["--solutions", "--model", "tiny"]`
 * @returns the running studio
 * @throws {Error} with what it printed when it exits or prints no address within a minute
 */
export async function startStudio(args: string[]): Promise<RunningStudio> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...await taskArgs("studio"), ...args],
    cwd: kitPath(),
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let printed = "";
  const timeout = setTimeout(() => child.kill("SIGKILL"), 60_000);
  while (!/http:\/\/127\.0\.0\.1:\d+\//.test(printed)) {
    const { value, done } = await lines.read();
    if (done) {
      clearTimeout(timeout);
      throw new Error(`The studio printed no address:\n${printed}\n${await stderr}`);
    }
    printed += value;
  }
  const printedAt = performance.now();
  clearTimeout(timeout);
  const rest = (async () => {
    while (!(await lines.read()).done) { /* drain */ }
  })();
  return {
    url: printed.match(/http:\/\/127\.0\.0\.1:\d+\//)![0],
    printedAt,
    async stop() {
      child.kill("SIGINT");
      const [status, text] = await Promise.all([child.status, stderr, rest]);
      return { code: status.code, stderr: text };
    },
  };
}

/**
 * Launches Debian's Chromium with {@linkcode CHROMIUM_FLAGS}.
 *
 * @returns the browser
 * @throws {Error} saying how to install it when it is missing
 */
export async function launchChromium(): Promise<Browser> {
  try {
    Deno.statSync(CHROMIUM);
  } catch {
    throw new Error(
      `The studio's browser tests need Debian's Chromium at ${CHROMIUM}: ` +
        "apt-get install -y chromium (.ci/run installs it)",
    );
  }
  // playwright-core looks for WSL by reading /proc/sys/fs/binfmt_misc, which Deno lets only an
  // --allow-all process read: a denied look means "not WSL"
  const exists = fs.existsSync;
  fs.existsSync = (path) => {
    try {
      return exists(path);
    } catch {
      return false;
    }
  };
  const { chromium } = await import("playwright-core");
  return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

/** A page whose console errors and uncaught exceptions are recorded. */
export interface WatchedPage {
  /** The page. */
  page: Page;
  /** Console errors and uncaught exceptions, in order. */
  errors: string[];
}

/**
 * Opens an empty tab whose console errors and uncaught exceptions are recorded, as a learner's
 * browser is open before the studio prints its address.
 *
 * @param browser the browser
 * @returns the tab and its recorded errors
 */
export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on("console", (m: ConsoleMessage) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e: Error) => errors.push(e.message));
  return { page, errors };
}

/**
 * Loads the studio's page in a tab and waits until it is drawn.
 *
 * @param page the tab
 * @param url the studio's address
 */
export async function showStudio(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]');
}

/**
 * Opens a page of the studio in a new tab and waits until it is drawn.
 *
 * @param browser the browser
 * @param url the studio's address
 * @returns the page and its recorded errors
 */
export async function openStudio(browser: Browser, url: string): Promise<WatchedPage> {
  const watched = await watchedPage(browser);
  await showStudio(watched.page, url);
  return watched;
}

/**
 * Takes a screenshot of a panel: a README's into `docs/studio/` when `UPDATE_SCREENSHOTS` is set
 * (to commit them), any other into the git-ignored `.cache/studio/`.
 *
 * @param page the page
 * @param panel the panel's id, e.g. `"tokens"`
 * @param readme whether it is the README's picture of the panel
 * @returns the PNG's bytes
 */
export async function screenshot(page: Page, panel: string, readme = true): Promise<Uint8Array> {
  const dir = readme && Deno.env.get("UPDATE_SCREENSHOTS")
    ? kitPath("docs", "studio")
    : kitPath(".cache", "studio");
  await Deno.mkdir(dir, { recursive: true });
  const name = readme ? panel : `${panel}-other-model`;
  return await page.locator(`#${panel}`).screenshot({ path: `${dir}/${name}.png` });
}

/** What the Generate panel shows when it is done. */
export interface PageGeneration {
  /** The prompt's ids. */
  promptIds: number[];
  /** The new ids. */
  ids: number[];
  /** `wasm` or `webgpu`. */
  backend: string;
  /** Decoding speed after the first token. */
  tokensPerSecond: number;
}

/**
 * Generates with the page's Generate panel, greedily, and reads the result from the DOM.
 *
 * @param page a studio page
 * @param model the panel's model (`studio` or `english`)
 * @param prompt the prompt's text
 * @param tokens how many new tokens
 * @param timeout the longest wait, in milliseconds (exporting and loading a large model is slow)
 * @returns what the panel generated
 */
export async function generateInPage(
  page: Page,
  model: string,
  prompt: string,
  tokens: number,
  timeout = 300_000,
): Promise<PageGeneration> {
  await page.selectOption('#generate select[name="model"]', model);
  await page.fill('#generate input[name="prompt"]', prompt);
  await page.fill('#generate input[name="tokens"]', String(tokens));
  await page.fill('#generate input[name="temperature"]', "0");
  await page.click("#generate button.primary");
  await page.waitForSelector('#generate .generated[data-done="1"]', { timeout });
  const out = "#generate .generated";
  const read = async (name: string) => await page.getAttribute(out, `data-${name}`) ?? "";
  const ids = (s: string) => (s ? s.split(",").map(Number) : []);
  const generated = {
    promptIds: ids(await read("prompt-ids")),
    ids: ids(await read("ids")),
    backend: await read("backend"),
    tokensPerSecond: Number(await read("tokens-per-second")),
  };
  // the next generation starts from a fresh panel
  await page.$eval(out, (e) => e.removeAttribute("data-done"));
  return generated;
}
