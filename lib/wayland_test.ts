import { assertEquals } from "@std/assert";
import { withoutWaylandNoise } from "./wayland.ts";

Deno.test("looking for a GPU sets a missing XDG_RUNTIME_DIR only meanwhile, and keeps a set one", async () => {
  const saved = Deno.env.get("XDG_RUNTIME_DIR");
  try {
    Deno.env.delete("XDG_RUNTIME_DIR");
    const during = await withoutWaylandNoise(() =>
      Promise.resolve(Deno.env.get("XDG_RUNTIME_DIR"))
    );
    assertEquals(during !== undefined, Deno.build.os === "linux");
    assertEquals(Deno.env.get("XDG_RUNTIME_DIR"), undefined);
    Deno.env.set("XDG_RUNTIME_DIR", "/run/user/1000");
    await withoutWaylandNoise(() => Promise.resolve());
    assertEquals(Deno.env.get("XDG_RUNTIME_DIR"), "/run/user/1000");
  } finally {
    if (saved === undefined) Deno.env.delete("XDG_RUNTIME_DIR");
    else Deno.env.set("XDG_RUNTIME_DIR", saved);
  }
});

Deno.test("probing the GPU without XDG_RUNTIME_DIR prints nothing from the driver", async () => {
  const env = { ...Deno.env.toObject() };
  delete env.XDG_RUNTIME_DIR;
  const code = `import { probeGpu } from ${
    JSON.stringify(new URL("./backends.ts", import.meta.url).href)
  };
await probeGpu();`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  assertEquals(new TextDecoder().decode(out.stderr), "");
});
