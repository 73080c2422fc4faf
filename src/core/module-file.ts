/**
 * Whether offload runs from its TypeScript sources (its own tests, under
 * vitest or tsx) rather than from the compiled `dist/`: every module of the
 * package is one or the other, so this module's own URL tells.
 */
export const RUNNING_FROM_SOURCE = import.meta.url.endsWith(".ts");

/**
 * The module `path` (without its extension) relative to `base` (an
 * `import.meta.url`), as offload runs it: `.ts` from the sources, `.js`
 * compiled. For modules started as threads or bundled, which are named by
 * file rather than imported.
 */
export function packageModule(path: string, base: string): URL {
  return new URL(`${path}${RUNNING_FROM_SOURCE ? ".ts" : ".js"}`, base);
}
