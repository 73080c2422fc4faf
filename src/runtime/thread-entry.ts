import { packageModule, RUNNING_FROM_SOURCE } from "../core/module-file.js";

const bootstrap = new URL("./sandbox/worker-bootstrap.mjs", import.meta.url);

/**
 * What a worker thread starts from to run the module `name` beside `base`
 * (an `import.meta.url`): the compiled module itself, or, when offload runs
 * from its TypeScript sources (its own tests), the bootstrap that registers
 * the TypeScript loader first and then imports `entry`.
 */
export function threadEntry(base: string, name: string): { file: URL; entry: string } {
  const entry = packageModule(name, base);
  return { file: RUNNING_FROM_SOURCE ? bootstrap : entry, entry: entry.href };
}
