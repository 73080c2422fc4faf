/**
 * The banner of an ES module bundle that may hold CommonJS dependencies:
 * they load Node's built-in modules through this `require`.
 */
export const ESM_REQUIRE_SHIM =
  'import { createRequire as __offloadCreateRequire } from "node:module"; const require = __offloadCreateRequire(import.meta.url);';
