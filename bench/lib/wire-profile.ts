/**
 * Sums V8 CPU profiles of an offload server (`node --cpu-prof`, one file per
 * thread, as `BENCH_WIRE_PROFILE=<dir> npm run bench:wire` writes them) by
 * the stage of a wire request each sample was in: the first frame from the
 * leaf up that a rule below names decides. Samples while a thread waits for
 * work are "(idle)"; a synchronous fsync inside COMMIT is sampled as the
 * SQLite call it blocks, so the commit's share is wall time of that thread.
 *
 * Usage: tsx bench/lib/wire-profile.ts <dir> [requests]
 * With `requests`, each stage is also given per request, in µs.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Stage rules, most specific first: [stage, test on a frame]. */
const RULES: Array<[string, (name: string, url: string) => boolean]> = [
  ["(idle)", (n) => n === "(idle)"],
  ["(gc)", (n) => n === "(garbage collector)"],
  ["md5", (n, u) => /md5|^hash$/i.test(n) || u.includes("/sqs/md5")],
  ["sqlite commit (fsync)", (n, u) => u.includes("committer") && /flush|runAll/.test(n)],
  [
    "sqlite statements",
    (n, u) => u.includes("better-sqlite3") || /^(run|all|get|iterate|pragma)$/.test(n),
  ],
  ["engine: sqs send/receive/delete", (_n, u) => u.includes("/engine/")],
  [
    "thread hop (postMessage, clone)",
    (n, u) =>
      /postMessage|structuredClone|deserialize|serialize/i.test(n) ||
      u.includes("worker/io") ||
      u.includes("engine-thread") ||
      u.includes("runtime/outbox"),
  ],
  ["JSON parse / stringify", (n) => /^(parse|stringify)$/.test(n) || n === "JSON.parse"],
  ["wire: JSON/query protocol", (_n, u) => u.includes("/http/wire/")],
  [
    "body read (streams)",
    (n, u) =>
      /readBody|TextDecoder|decode/.test(n) || u.includes("webstreams") || u.includes("streams/"),
  ],
  ["hono + node-server adapter", (_n, u) => u.includes("hono")],
  [
    "HTTP parse / write (node:http, net)",
    (_n, u) => /node:(_http|http|net|internal\/http|internal\/stream_base|_stream)/.test(u),
  ],
  ["other node internals", (_n, u) => u.startsWith("node:")],
  ["(program)", (n) => n === "(program)" || n === "(root)"],
];

function summarise(profile: Profile): Map<string, number> {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const stageOf = new Map<number, string>();
  const stage = (leaf: number): string => {
    const known = stageOf.get(leaf);
    if (known) return known;
    let found = "other";
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const { functionName, url } = byId.get(id)!.callFrame;
      const rule = RULES.find(([, test]) => test(functionName, url));
      if (rule) {
        found = rule[0];
        break;
      }
    }
    stageOf.set(leaf, found);
    return found;
  };
  const totals = new Map<string, number>();
  profile.samples.forEach((leaf, i) => {
    const s = stage(leaf);
    totals.set(s, (totals.get(s) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return totals;
}

const dir = process.argv[2];
const requests = Number(process.argv[3] ?? 0);
if (!dir) throw new Error("usage: tsx bench/lib/wire-profile.ts <dir> [requests]");
for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
  const totals = summarise(JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile);
  const all = [...totals.values()].reduce((a, b) => a + b, 0);
  const busy = all - (totals.get("(idle)") ?? 0);
  console.log(`\n${file}: ${Math.round(all)} ms sampled, ${Math.round(busy)} ms busy`);
  for (const [name, ms] of [...totals].sort((a, b) => b[1] - a[1])) {
    if (ms < all * 0.005) continue;
    const perRequest = requests > 0 ? `  ${((ms * 1000) / requests).toFixed(1)} µs/request` : "";
    console.log(`  ${name.padEnd(38)} ${ms.toFixed(0).padStart(7)} ms${perRequest}`);
  }
}
