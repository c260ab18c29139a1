import { assertEquals } from "@std/assert";
import { BUNDLE_PATH, bundleBrowserCode } from "./bundle.ts";

Deno.test("studio/assets/studio.js is the bundle of studio/browser/ (else: deno task studio-bundle)", async () => {
  assertEquals(await Deno.readTextFile(BUNDLE_PATH), await bundleBrowserCode());
});
