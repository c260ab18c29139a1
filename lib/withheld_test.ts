import { assertEquals, assertThrows } from "@std/assert";
import { available, WithheldError, withhold } from "./withheld.ts";

Deno.test("available() passes until a reference is withheld, then throws its message", () => {
  available("F.test_only");
  withhold({ "F.test_only": "write it yourself" });
  assertThrows(() => available("F.test_only"), WithheldError, "write it yourself");
  // withholding again does not change the message, and other names stay available
  withhold({ "F.test_only": "another message" });
  assertThrows(() => available("F.test_only"), WithheldError, "write it yourself");
  assertEquals(available("F.other"), undefined);
});
