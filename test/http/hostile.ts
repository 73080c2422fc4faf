/**
 * Hostile and malformed requests, as a table: each case says the exact
 * status, error code and a message that names the problem; the runner also
 * checks that no message was stored and that Object.prototype is untouched.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RawRequest, rawRequest } from "./raw.js";
import { type ApiStack, postJson, startApiStack } from "./support.js";

/** A response from fetch or from a raw socket, read the same way. */
export interface Answer {
  status: number;
  header(name: string): string | null;
  body: unknown;
}

export interface HostileCase {
  name: string;
  send(stack: ApiStack): Promise<Answer>;
  status: number;
  code: string;
  /** The message must name the problem. */
  message: RegExp;
  headers?: Record<string, string | RegExp>;
  details?: Record<string, unknown>;
}

export const json = (value: unknown) => JSON.stringify(value);

async function viaFetch(response: Promise<Response>): Promise<Answer> {
  const r = await response;
  const text = await r.text();
  return {
    status: r.status,
    header: (n) => r.headers.get(n),
    body: text ? JSON.parse(text) : null,
  };
}

async function viaSocket(stack: ApiStack, request: RawRequest): Promise<Answer> {
  const r = await rawRequest(stack.port, request);
  return {
    status: r.status,
    header: (n) => r.headers[n.toLowerCase()] ?? null,
    body: r.body ? r.json() : null,
  };
}

export const post =
  (path: string, body: unknown, headers: Record<string, string> = {}) =>
  (s: ApiStack) =>
    viaFetch(postJson(`${s.url}${path}`, body, headers));
export const request =
  (method: string, path: string, init: RequestInit = {}) =>
  (s: ApiStack) =>
    viaFetch(fetch(`${s.url}${path}`, { method, ...init }));
export const raw = (r: RawRequest) => (s: ApiStack) => viaSocket(s, r);

export const greetingEnvelope = (extra: Record<string, unknown> = {}) =>
  json({ jobName: "greeting", payload: { friendName: "Hank" }, ...extra });
export const deep = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
export const MiB = 1_048_576;
export const NOT_UTF8 = Buffer.concat([
  Buffer.from('{"jobName":"gr'),
  Buffer.from([0xff, 0xfe]),
  Buffer.from('eeting","payload":{}}'),
]);

export function runCases(cases: HostileCase[], options: Parameters<typeof startApiStack>[0]) {
  let stack: ApiStack;
  beforeAll(async () => {
    stack = await startApiStack(options);
    // Something stored already, so "nothing changed" is not "nothing there".
    await stack.backend.send("greeting", { friendName: "seed" });
    await stack.backend.send("audit", [1], { delaySeconds: 60 });
  });
  afterAll(() => stack.close());

  it.each(cases)("$name → $status $code", async (c) => {
    const before = await stack.stored();
    expect(before).toBeGreaterThanOrEqual(2);
    const answer = await c.send(stack);
    expect({ status: answer.status, body: answer.body }).toMatchObject({
      status: c.status,
      body: { error: { code: c.code, message: expect.stringMatching(c.message) } },
    });
    expect(answer.header("content-type")).toMatch(/^application\/json/);
    if (c.details) expect(answer.body).toMatchObject({ error: { details: c.details } });
    for (const [name, value] of Object.entries(c.headers ?? {})) {
      expect(answer.header(name)).toMatch(value);
    }
    expect(await stack.stored()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
}
