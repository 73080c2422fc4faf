// `npm run build`: the package as users get it, in dist/. esbuild compiles
// each source file to an ES module with its source map (no bundling: one .js
// per .ts, so the subpath exports stay separate); tsc writes the .d.ts files
// and checks the types. `--js` skips the declarations, for a quick
// `npm start` of the demo app from changed sources.
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const src = join(root, "src");
const dist = join(root, "dist");
const jsOnly = process.argv.includes("--js");

/** Every module of the package: the sources, less their own type-only or test files. */
function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

// A full build starts clean, so nothing of a deleted source stays behind.
if (!jsOnly) rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: sources(src),
  outdir: dist,
  outbase: src,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  // The maps carry the TypeScript they point at: the package ships no src/.
  sourcesContent: true,
  logLevel: "warning",
});
if (!jsOnly) {
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], {
    stdio: "inherit",
  });
}
console.log(`built ${relative(process.cwd(), dist) || "."}${jsOnly ? " (JavaScript only)" : ""}`);
