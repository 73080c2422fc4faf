/** Run from source (vitest, tsx): the modules are TypeScript files. */
const fromSource = import.meta.url.endsWith(".ts");
const bootstrap = new URL("./sandbox/worker-bootstrap.mjs", import.meta.url);

/**
 * What a worker thread starts from to run the module `name` beside `base`
 * (an `import.meta.url`): the compiled module itself, or, when offload runs
 * from its TypeScript sources (its own tests), the bootstrap that registers
 * the TypeScript loader first and then imports `entry`.
 */
export function threadEntry(base: string, name: string): { file: URL; entry: string } {
  const entry = new URL(`${name}${fromSource ? ".ts" : ".js"}`, base);
  return { file: fromSource ? bootstrap : entry, entry: entry.href };
}
