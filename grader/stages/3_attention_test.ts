import { assertEquals, assertStringIncludes } from "@std/assert";
import { Tensor } from "../../lib/tensor.ts";
import { loadPristine } from "../../commands/reset.ts";

Deno.test("stage 3's stub names the method that cuts the mask's top-left T x T corner", async () => {
  const stub = (await loadPristine())["3_attention.ts"];
  assertStringIncludes(
    stub,
    "corner of the mask (`Tensor.slice(dim, start, end)` on dims 2 and 3)",
  );
  const mask = Tensor.ones([1, 1, 5, 5]).tril().slice(2, 0, 3).slice(3, 0, 3);
  assertEquals(mask.toNested(), [[[[1, 0, 0], [1, 1, 0], [1, 1, 1]]]]);
});
