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

Deno.test("patched Map and Object prototypes do not give a withheld reference back", () => {
  withhold({ "F.patched_test": "still withheld" });
  const get = Map.prototype.get;
  const has = Map.prototype.has;
  Map.prototype.get = () => undefined;
  Map.prototype.has = () => false;
  Object.defineProperty(Object.prototype, "F.patched_test", {
    value: undefined,
    configurable: true,
  });
  try {
    assertThrows(() => available("F.patched_test"), WithheldError, "still withheld");
  } finally {
    Map.prototype.get = get;
    Map.prototype.has = has;
    delete (Object.prototype as Record<string, unknown>)["F.patched_test"];
  }
});
