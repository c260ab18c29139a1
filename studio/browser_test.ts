// gpt2-kit: reveals-solutions (runs the studio on the solutions and on a copy with a planted bug)
//
// The studio in a real browser: Debian's Chromium, driven by playwright-core, against `deno task
// studio` started as a learner starts it, on the bundled tiny model. Each test takes screenshots
// of the panels it looks at (UPDATE_SCREENSHOTS=1 puts them in docs/studio/ for the README).
//
// STUDIO_MODEL_DIR=DIR runs every test on a GPT-2-small-sized model too (DIR/config.json,
// model.safetensors and refs.safetensors, as `deno task random-gpt2` and `deno task refs` write
// them): several minutes more, so not in `deno task test`.
import { assert, assertAlmostEquals, assertEquals, assertStringIncludes } from "@std/assert";
import type { Page } from "playwright-core";
import { type GPT2Config, loadConfig } from "../lib/config.ts";
import { kitPath } from "../lib/paths.ts";
import { englishReference } from "../grader/english.ts";
import { loadReferences } from "../grader/references.ts";
import { STAGES } from "../grader/stages/mod.ts";
import { withMutatedCopy } from "../grader/test_support.ts";
import { inCacheDir } from "../commands/_test_helpers.ts";
import { loadPristine } from "../commands/reset.ts";
import { generateInPage, launchChromium, openStudio, screenshot, startStudio } from "./driver.ts";

/** A model the tests start the studio on. */
interface Model {
  /** As test names say it. */
  name: string;
  /** The studio's options that choose it. */
  args: string[];
  config: GPT2Config;
  refsPath: string;
  /** The longest wait for anything the page does, in milliseconds (a busy machine is slow). */
  patience: number;
  /** Whether its panel screenshots are the README's. */
  readme: boolean;
}

const TINY: Model = {
  name: "the tiny model",
  args: ["--model", "tiny"],
  config: loadConfig(kitPath("data", "tiny", "config.json")),
  refsPath: kitPath("data", "reference", "tiny.safetensors"),
  patience: 180_000,
  readme: true,
};

function sized(dir: string): Model {
  return {
    name: "a 124M-sized model",
    args: [
      ...["--weights", `${dir}/model.safetensors`, "--config", `${dir}/config.json`],
      ...["--refs", `${dir}/refs.safetensors`],
    ],
    config: loadConfig(`${dir}/config.json`),
    refsPath: `${dir}/refs.safetensors`,
    patience: 900_000,
    readme: false,
  };
}

const large = Deno.env.get("STUDIO_MODEL_DIR");
const MODELS = large ? [TINY, sized(large)] : [TINY];
const browserTest = { sanitizeOps: false, sanitizeResources: false };

/** The numbers a heatmap holds in the DOM. */
async function heatmaps(page: Page, selector: string) {
  return await page.$$eval(selector, (canvases) =>
    canvases.map((c) => ({
      rows: Number(c.getAttribute("data-rows")),
      cols: Number(c.getAttribute("data-cols")),
      values: JSON.parse(c.getAttribute("data-values")!) as number[],
      head: Number(c.getAttribute("data-head")),
    })));
}

/** Waits until all stages of the Stages panel are in `state`. */
async function stagesIn(page: Page, state: string): Promise<void> {
  const stages = page.locator(`#stages .stage[data-state="${state}"]`);
  await stages.nth(STAGES.length - 1).waitFor();
}

function rowSums(m: { rows: number; cols: number; values: number[] }): number[] {
  return Array.from(
    { length: m.rows },
    (_, i) => m.values.slice(i * m.cols, (i + 1) * m.cols).reduce((a, b) => a + b, 0),
  );
}

/** Runs `fn` on a page of a studio started with `args` on `model`, then stops both. */
async function withStudio(
  args: string[],
  model: Model,
  fn: (page: Page, errors: string[]) => Promise<void>,
) {
  const browser = await launchChromium();
  const studio = await startStudio([...args, ...model.args]);
  try {
    const { page, errors } = await openStudio(browser, studio.url);
    page.setDefaultTimeout(model.patience);
    await fn(page, errors);
    await page.close();
    assertEquals(errors, [], "the page's console has no errors");
  } finally {
    await browser.close();
    const stopped = await studio.stop();
    assertEquals(stopped.code, 0, stopped.stderr);
    assertEquals(stopped.stderr.match(/studio: .* failed.*/g), null, "no request failed");
  }
}

for (const model of MODELS) {
  Deno.test({
    name:
      `the studio on the solutions, on ${model.name}: tokens, attention, generation in the browser`,
    ...browserTest,
    fn: (t) =>
      withStudio(["--solutions"], model, async (page) => {
        await t.step("the token chips of superman and spiderman carry GPT-2's ids", async () => {
          const expected: [string, number[]][] = [["superman", [16668, 805]], ["spiderman", [
            2777,
            1304,
            805,
          ]]];
          for (const [text, ids] of expected) {
            const chips = `.token-row[data-text="${text}"] .chips.learner .chip`;
            await page.waitForSelector(chips);
            const found = await page.$$eval(chips, (cs) =>
              cs.map((c) => Number(c.getAttribute("data-id"))));
            assertEquals(found, ids, text);
          }
          await screenshot(page, "tokens", model.readme);
        });

        await t.step(
          "each layer-0 attention heatmap has T×T cells whose rows sum to 1",
          async () => {
            await page.waitForSelector('#attention canvas[data-kind="learner"]');
            const T = await page.$eval("#attention .tokens-line", (e) =>
              parseInt(e.textContent!));
            for (const kind of ["learner", "reference"]) {
              const maps = await heatmaps(
                page,
                `#attention canvas[data-kind="${kind}"][data-layer="0"]`,
              );
              assertEquals(maps.map((m) => m.head), [...Array(model.config.n_head).keys()], kind);
              for (const m of maps) {
                assertEquals(
                  [m.rows, m.cols, m.values.length],
                  [T, T, T * T],
                  `${kind} head ${m.head}`,
                );
                rowSums(m).forEach((s, i) => assertAlmostEquals(s, 1, 1e-4, `${kind} row ${i}`));
              }
            }
          },
        );

        await t.step("the embeddings heatmap compares every word with itself as 1", async () => {
          await page.waitForSelector('#embeddings canvas[data-kind="similarity"]');
          const [m] = await heatmaps(page, '#embeddings canvas[data-kind="similarity"]');
          assertEquals([m.rows, m.cols], [4, 4]);
          for (let i = 0; i < 4; i++) assertAlmostEquals(m.values[i * 4 + i], 1, 1e-5);
          await screenshot(page, "embeddings", model.readme);
        });

        await t.step({
          name: "by default the page writes English, as PyTorch does on the bundled model",
          ignore: model !== TINY,
          fn: async () => {
            assertEquals(await page.inputValue('#generate select[name="model"]'), "english");
            const r = englishReference();
            const out = await generateInPage(page, "english", r.prompt, r.generated_ids.length);
            assertEquals(out.promptIds, r.prompt_ids);
            assertEquals(out.ids, r.generated_ids);
            await page.waitForSelector("#generate .top5-chart rect.chosen");
            await screenshot(page, "generate"); // the README's writes English
          },
        });

        await t.step(
          "in-browser WASM generation gives the model's reference greedy ids",
          async () => {
            const p = loadReferences(model.refsPath).prompts[1];
            const out = await generateInPage(
              page,
              "studio",
              p.text!,
              p.generated.length,
              model.patience,
            );
            assertEquals(out.backend, "wasm");
            assertEquals(out.promptIds, p.ids);
            assertEquals(out.ids, p.generated);
            assertStringIncludes(await page.textContent("#generate .backend") ?? "", "WASM");
            if (!model.readme) await screenshot(page, "generate", false);
          },
        );

        await t.step("the Stages panel shows the grader's results", async () => {
          await stagesIn(page, "pass");
          assertStringIncludes(await page.textContent("#stages") ?? "", "✓ passed: all");
          await screenshot(page, "stages", model.readme);
        });
      }),
  });

  Deno.test({
    name: `on ${model.name}, with the mask applied after the softmax, the divergence view marks ` +
      "the positions it changes",
    ...browserTest,
    fn: () =>
      withMutatedCopy("3_attention.ts", [[
        "  if (mask) scores = scores.maskedFill(mask.eq(0), -Infinity);\n" +
        "  const weights = F.softmax(scores, -1); // each row sums to 1",
        "  let weights = F.softmax(scores, -1);\n" +
        "  if (mask) weights = weights.maskedFill(mask.eq(0), 0);",
      ]], (dir) =>
        withStudio(["--exercises", dir], model, async (page) => {
          const map = '#divergence canvas[data-kind="error"]';
          await page.waitForSelector(map);
          assertStringIncludes(
            await page.textContent("#divergence .check-text") ?? "",
            "mask after the softmax",
          );
          const shape = await page.getAttribute(map, "data-shape");
          const badRows = await page.getAttribute(map, "data-bad-rows");
          const dims = shape!.split(",").map(Number);
          const positions = dims[dims.length - 2];
          const rows = dims.slice(0, -1).reduce((a, b) => a * b, 1);
          // zeroing weights after the softmax changes every position that has a later one masked:
          // all but the last
          const changed = [...Array(rows).keys()].filter((r) => r % positions < positions - 1);
          assertEquals(badRows!.split(",").map(Number), changed);
          const marked = await page.$$eval(
            "#divergence .error-rows li.bad",
            (ls) => ls.map((l) => Number(l.getAttribute("data-row"))),
          );
          assertEquals(marked, changed);
          await screenshot(page, "divergence", model.readme);

          // the learner's own attention shows it too: rows that no longer sum to 1
          await page.waitForSelector('#attention canvas[data-kind="learner"]');
          const [head0] = await heatmaps(
            page,
            '#attention canvas[data-kind="learner"][data-layer="0"]',
          );
          const sums = rowSums(head0);
          assertAlmostEquals(sums[sums.length - 1], 1, 1e-4);
          assert(sums.slice(0, -1).some((s) => s < 0.999), `row sums ${sums}`);
          await screenshot(page, "attention", model.readme);
        })),
  });

  Deno.test({
    name: `on ${model.name}, on untouched stubs, every panel says its stage is not started, with ` +
      "the first hint",
    ...browserTest,
    fn: () =>
      inCacheDir(async (dir) => {
        for (const [name, text] of Object.entries(await loadPristine())) {
          await Deno.writeTextFile(`${dir}/${name}`, text);
        }
        await withStudio(["--exercises", dir], model, async (page) => {
          const hint = (n: number) => STAGES.find((s) => s.number === n)!.hints[0];
          for (
            const [panel, stage] of [["tokens", 1], ["embeddings", 2], ["attention", 3]] as const
          ) {
            const notStarted = `#${panel} [data-state="not-started"]`;
            await page.waitForSelector(notStarted);
            const text = await page.textContent(notStarted) ?? "";
            assertStringIncludes(text, `Stage ${stage} not started`);
            assertStringIncludes(text, hint(stage));
          }
          await stagesIn(page, "not-started");
          const generate = '#generate [data-state="not-started"]';
          await page.waitForSelector(generate);
          assertStringIncludes(await page.textContent(generate) ?? "", hint(5));
        });
      }),
  });
}
