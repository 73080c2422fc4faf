import { once } from "node:events";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { nodeBodyOf, readBodyBytes } from "../../src/http/body.js";

const request = (headers: Record<string, string> = {}) =>
  new Request("http://127.0.0.1/jobs", { method: "POST", headers });

/** A Node readable standing in for the IncomingMessage @hono/node-server puts in the env. */
function incoming(chunks: string[]): Readable {
  return Readable.from(chunks.map((c) => Buffer.from(c)));
}

describe("reading a body from the Node request", () => {
  it("takes the Node request from the env only while nobody has read it", async () => {
    const fresh = incoming(["{}"]);
    expect(nodeBodyOf({ incoming: fresh })).toBe(fresh);
    await readBodyBytes(request(), 100, nodeBodyOf({ incoming: fresh }));
    expect(nodeBodyOf({ incoming: fresh })).toBeUndefined();
    expect(nodeBodyOf(undefined)).toBeUndefined();
    expect(nodeBodyOf({ incoming: { socket: {} } })).toBeUndefined();
  });

  it("joins the chunks", async () => {
    const bytes = await readBodyBytes(request(), 100, incoming(['{"a":', "1}"]));
    expect(new TextDecoder().decode(bytes)).toBe('{"a":1}');
  });

  it("refuses a body over the limit while reading, whatever Content-Length says", async () => {
    const body = incoming(["x".repeat(60), "x".repeat(60)]);
    await expect(readBodyBytes(request(), 100, body)).rejects.toMatchObject({
      code: "PayloadTooLarge",
      message: expect.stringContaining("more than 100 bytes"),
    });
  });

  it("refuses up front by Content-Length", async () => {
    await expect(
      readBodyBytes(request({ "content-length": "101" }), 100, incoming(["x"])),
    ).rejects.toMatchObject({ code: "PayloadTooLarge" });
  });

  it("fails, instead of waiting forever, when the client is gone before the body is read", async () => {
    const gone = incoming(["{}"]);
    gone.destroy();
    // Its "close" has come and gone: no event is left to wait for.
    await once(gone, "close");
    await expect(readBodyBytes(request(), 100, gone)).rejects.toThrow(
      "The client closed the connection before the whole body arrived",
    );
  });

  it("fails when the client closes the connection mid-body", async () => {
    const body = new Readable({ read() {} });
    const reading = readBodyBytes(request(), 100, body);
    body.push(Buffer.from('{"a"'));
    body.destroy();
    // The client's doing, not a server failure: a 400, which is not logged as a 500 is.
    await expect(reading).rejects.toMatchObject({
      code: "IncompleteBody",
      message: "The client closed the connection before the whole body arrived",
    });
  });
});
