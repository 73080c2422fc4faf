import { extname } from "node:path";
import { pathToFileURL } from "node:url";
import { RUNNING_FROM_SOURCE } from "../core/module-file.js";

const TYPESCRIPT = new Set([".ts", ".mts", ".cts"]);

let typeScriptLoader: Promise<void> | undefined;

/**
 * Imports one of the app's own files (a job file, offload.config.ts). The
 * TypeScript loader (tsx) is registered the first time a TypeScript file is
 * imported, and only then: the library itself is JavaScript, so a command
 * that reads no TypeScript (`offload --help`) never loads it. Both of tsx's
 * hooks are registered: a .ts file in a package without "type": "module" is
 * CommonJS to Node, and loads through the CommonJS hook even when it is
 * written with import/export.
 */
export async function importUserModule(
  file: string,
  query?: string,
): Promise<{ default?: unknown }> {
  // Run from source (vitest, tsx), a TypeScript loader is already in place.
  if (!RUNNING_FROM_SOURCE && TYPESCRIPT.has(extname(file))) await registerTypeScriptLoader();
  const url = pathToFileURL(file).href + (query ? `?${query}` : "");
  const mod = (await import(url)) as { default?: unknown };
  // A TypeScript file in a package that is not "type": "module" is CommonJS: its
  // `export default` is one level down, in module.exports, marked as compilers mark it.
  const exports = mod.default as { __esModule?: unknown; default?: unknown } | undefined;
  if (typeof exports === "object" && exports !== null && exports.__esModule === true) {
    return { default: exports.default };
  }
  return mod;
}

/** Registers tsx in this thread, once. */
export function registerTypeScriptLoader(): Promise<void> {
  typeScriptLoader ??= Promise.all([import("tsx/esm/api"), import("tsx/cjs/api")]).then(
    ([esm, commonJs]) => {
      esm.register();
      commonJs.register();
    },
  );
  return typeScriptLoader;
}
