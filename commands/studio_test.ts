import { assertEquals, assertStringIncludes } from "@std/assert";
import { runTask } from "./_test_helpers.ts";

Deno.test("`deno task studio` exits 2 with a clear message for bad options", async () => {
  const cases: [string[], string][] = [
    [["--port", "http"], '--port takes a port number (0 for a free one), not "http"'],
    [["--port", "70000"], "--port takes a port number"],
    [["--solutions", "--exercises", "x"], "Use --solutions or --exercises, not both."],
    [["--model", "huge"], 'Unknown --model "huge"'],
    [["--weights", "w.safetensors"], "--weights and --config go together"],
    [["--colour"], "Unknown option '--colour'"],
  ];
  for (const [args, says] of cases) {
    const r = await runTask("studio", args);
    assertEquals(r.code, 2, args.join(" "));
    assertStringIncludes(r.stderr, says);
    assertStringIncludes(r.stderr, "Usage: deno task studio");
  }
});

Deno.test("`deno task studio --help` says what it shows and that it stays on this computer", async () => {
  const r = await runTask("studio", ["--help"]);
  assertEquals(r.code, 0);
  assertStringIncludes(r.stdout, "127.0.0.1");
  assertStringIncludes(r.stdout, "--exercises DIR");
});
