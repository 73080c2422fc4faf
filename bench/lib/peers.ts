import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** bench/, where bench/package.json lists the peers. */
export const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Installs the peer libraries (BullMQ, plainjob) into bench/node_modules when
 * missing. They stay out of offload's own dependencies: BullMQ's optional
 * native add-on has no binaries for other platforms on this registry, which
 * would break `npm ci` of the project.
 */
export function ensurePeers(): void {
  if (
    existsSync(join(benchDir, "node_modules/bullmq")) &&
    existsSync(join(benchDir, "node_modules/plainjob"))
  )
    return;
  console.log("installing the benchmark's peers (bench/package.json) into bench/node_modules...");
  execFileSync(
    "npm",
    ["install", "--prefix", benchDir, "--no-audit", "--no-fund", "--no-package-lock"],
    {
      stdio: "inherit",
    },
  );
}
