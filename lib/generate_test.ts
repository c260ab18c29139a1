import { assertEquals } from "@std/assert";
import type { Runner } from "./backends.ts";
import { END_OF_TEXT, generate, greedyEach } from "./generate.ts";

// A runner whose next token is always (last id + 1) mod 10, recording what it was fed.
function counter(fed: number[][]): Runner {
  return {
    backend: "cpu",
    notices: [],
    cached: false,
    threads: 1,
    nextLogits(ids) {
      fed.push([...ids]);
      const logits = new Float32Array(10);
      logits[(ids[ids.length - 1] + 1) % 10] = 1;
      return Promise.resolve(logits);
    },
    close: () => Promise.resolve(),
  };
}

Deno.test("generate() appends each chosen token and streams it", async () => {
  const fed: number[][] = [], streamed: number[] = [];
  const r = await generate(counter(fed), [3, 4], {
    maxNewTokens: 4,
    nPositions: 100,
    onToken: (id) => streamed.push(id),
  });
  assertEquals(r.ids, [5, 6, 7, 8]);
  assertEquals(streamed, [5, 6, 7, 8]);
  assertEquals(fed, [[3, 4], [3, 4, 5], [3, 4, 5, 6], [3, 4, 5, 6, 7]]);
  assertEquals(r.promptIds, [3, 4]);
});

Deno.test("generate() crops the context to n_positions", async () => {
  const fed: number[][] = [];
  const r = await generate(counter(fed), [1, 2, 3], { maxNewTokens: 2, nPositions: 2 });
  assertEquals(fed, [[2, 3], [3, 4]]);
  assertEquals(r.windowFrom, 0);
});

Deno.test("generate() says from which new token on the window slid past n_positions", async () => {
  const fed: number[][] = [];
  const r = await generate(counter(fed), [1, 2, 3], { maxNewTokens: 4, nPositions: 4 });
  assertEquals(fed, [[1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 6]]);
  assertEquals(r.windowFrom, 2);
  const fits = await generate(counter([]), [1, 2, 3], { maxNewTokens: 2, nPositions: 4 });
  assertEquals(fits.windowFrom, undefined);
});

Deno.test("an empty prompt starts from <|endoftext|>", async () => {
  const fed: number[][] = [];
  const r = await generate(counter(fed), [], { maxNewTokens: 1, nPositions: 8 });
  assertEquals(fed, [[END_OF_TEXT]]);
  assertEquals(r.promptIds, [END_OF_TEXT]);
});

Deno.test("greedyEach: the pick after each prefix from the prompt on, prefix by prefix without allLogits", async () => {
  const fed: number[][] = [];
  assertEquals(await greedyEach(counter(fed), [1, 2, 3, 9], 2, 1024), [3, 4, 0]);
  assertEquals(fed, [[1, 2], [1, 2, 3], [1, 2, 3, 9]]);
  fed.length = 0;
  assertEquals(await greedyEach(counter(fed), [1, 2, 3, 9], 2, 2), [3, 4, 0]);
  assertEquals(fed, [[1, 2], [2, 3], [3, 9]], "each prefix cropped to n_positions");
});

Deno.test("greedyEach reads the rows of one allLogits pass, from the prompt's last position", async () => {
  const fed: number[][] = [];
  const passes: number[][] = [];
  const runner: Runner = {
    ...counter(fed),
    allLogits(ids) {
      passes.push([...ids]);
      const logits = new Float32Array(ids.length * 10);
      ids.forEach((id, row) => (logits[row * 10 + (id + 1) % 10] = 1));
      return Promise.resolve(logits);
    },
  };
  assertEquals(await greedyEach(runner, [1, 2, 3, 9], 2, 1024), [3, 4, 0]);
  assertEquals(passes, [[1, 2, 3, 9]]);
  assertEquals(fed, [], "no prefix run");
  assertEquals(await greedyEach(runner, [1, 2, 3, 9], 2, 3), [3, 4, 0]);
  assertEquals(fed, [[1, 2], [1, 2, 3], [2, 3, 9]], "longer than n_positions: prefix by prefix");
});
