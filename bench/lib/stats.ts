import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Messages per second. */
export function rate(messages: number, ms: number): number {
  return ms > 0 ? (messages * 1000) / ms : 0;
}

/** Nearest-rank percentile of a sample (p in 0..100). */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) return Number.NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface LatencySummary {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export function summarize(sample: readonly number[]): LatencySummary {
  return {
    p50Ms: round(percentile(sample, 50), 3),
    p99Ms: round(percentile(sample, 99), 3),
    maxMs: round(Math.max(...sample), 3),
    meanMs: round(sample.reduce((a, b) => a + b, 0) / sample.length, 3),
  };
}

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A fresh folder in the OS temp dir (the same file system the engine's files would use here). */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Plain-text table: first row is the header, columns padded, numbers right-aligned. */
export function table(rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cells = rows.map((row) => row.map((c) => (typeof c === "number" ? fmt(c) : c)));
  const widths: number[] = [];
  for (const row of cells) {
    row.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  const line = (row: string[], numeric: boolean[]) =>
    row.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ");
  const out: string[] = [];
  cells.forEach((row, r) => {
    const numeric = (rows[r] ?? []).map((c) => typeof c === "number");
    out.push(line(row, numeric));
    if (r === 0) out.push(widths.map((w) => "-".repeat(w)).join("  "));
  });
  return out.join("\n");
}

/** Thousands separators for big numbers, 2 significant decimals for small ones. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString("en-US");
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}
