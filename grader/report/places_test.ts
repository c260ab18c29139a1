import { assertEquals } from "@std/assert";
import { checkPlace, definitionLine, todoPlace } from "./places.ts";
import { GRADED, SOURCES } from "./test_results.ts";

Deno.test("definitionLine() finds exports, then class members, not look-alikes", () => {
  const src = [
    "// export class MLP in a comment",
    "export class MLPBlock {}",
    "export function gelu(x) {}",
    "export const PRETOKENIZE = /x/;",
    "  export   class   MLP extends nn.Module {",
    "  get vocabSize(): number {",
    "    this.encode(text);",
    "  encode(text: string): number[] {",
  ].join("\n");
  assertEquals(definitionLine(src, "MLP"), 5);
  assertEquals(definitionLine(src, "gelu"), 3);
  assertEquals(definitionLine(src, "PRETOKENIZE"), 4);
  assertEquals(definitionLine(src, "vocabSize"), 6);
  assertEquals(definitionLine(src, "encode"), 8);
  assertEquals(definitionLine(src, "Block"), undefined);
});

Deno.test("checkPlace() points at the throw, the stopped stage's error, the todo, the export", () => {
  const read = (p: string) => SOURCES[p];
  const [attention, mlp, gpt2] = GRADED;
  assertEquals(checkPlace(attention, attention.checks[3], read), {
    file: "exercises/3_attention.ts",
    line: 40,
  });
  assertEquals(checkPlace(attention, attention.checks[2], read).line, 3);
  assertEquals(checkPlace(attention, attention.checks[0], read).line, 1); // not defined there
  assertEquals(checkPlace(mlp, mlp.checks[0], read), { file: "exercises/4_mlp.ts", line: 1 });
  assertEquals(checkPlace(gpt2, gpt2.checks[0], read), todoPlace(gpt2, read));
  assertEquals(todoPlace(gpt2, read).line, 5);
});
