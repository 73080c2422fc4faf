// `npm run check:package`: the package as `npm pack` makes it, checked by
// publint (package.json fields against the files shipped) and by
// @arethetypeswrong/cli (every subpath's types resolve as its JavaScript
// does). Expects a built dist/ (`npm run build`). The package is ESM only,
// so attw checks the ESM resolutions (Node 16+ from ESM, bundlers).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);
const out = mkdtempSync(join(tmpdir(), "offload-pack-"));
try {
  const packed = execFileSync(
    "npm",
    ["pack", "--ignore-scripts", "--silent", "--pack-destination", out],
    { cwd: root, encoding: "utf8" },
  );
  const tarball = join(out, packed.trim().split("\n").at(-1));
  execFileSync(bin("publint"), ["run", tarball, "--strict"], { stdio: "inherit" });
  execFileSync(bin("attw"), [tarball, "--profile", "esm-only"], { stdio: "inherit" });
} finally {
  rmSync(out, { recursive: true, force: true });
}
