import { connect } from "node:net";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  json(): unknown;
}

export interface RawRequest {
  method?: string;
  path: string;
  /** Header lines as sent, exactly; `Host` and `Connection: close` are added. */
  headers?: string[];
  /** Sent as is after the head (a lying Content-Length is the caller's to write). */
  body?: Uint8Array | string;
  /** Sent as `Transfer-Encoding: chunked`, one chunk each, with no Content-Length. */
  chunks?: Uint8Array[];
}

/**
 * One HTTP/1.1 request over a bare socket, for what `fetch` refuses to send:
 * a Content-Length that lies, bytes that are not UTF-8, no Content-Type.
 * Resolves once the whole response has arrived (by its Content-Length, or
 * the socket's end), whether or not the server read the whole request.
 */
export function rawRequest(port: number, request: RawRequest): Promise<RawResponse> {
  const lines = [
    `${request.method ?? "POST"} ${request.path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    "Connection: close",
    ...(request.headers ?? []),
    ...(request.chunks ? ["Transfer-Encoding: chunked"] : []),
  ];
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (ended: boolean) => {
      if (settled) return;
      const response = parse(received, ended);
      if (!response) {
        if (ended) {
          settled = true;
          reject(new Error(`Incomplete response: ${JSON.stringify(received.toString())}`));
        }
        return;
      }
      settled = true;
      socket.destroy();
      resolve(response);
    };
    socket.on("data", (data: Buffer) => {
      received = Buffer.concat([received, data]);
      finish(false);
    });
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    // The server may answer (413) and close before the whole request is written.
    socket.on("error", () => finish(true));
    socket.on("connect", () => {
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (request.body !== undefined) socket.write(request.body);
      for (const chunk of request.chunks ?? []) {
        if (socket.destroyed) return;
        socket.write(`${chunk.byteLength.toString(16)}\r\n`);
        socket.write(chunk);
        socket.write("\r\n");
      }
      if (request.chunks && !socket.destroyed) socket.write("0\r\n\r\n");
    });
  });
}

function parse(bytes: Buffer, ended: boolean): RawResponse | undefined {
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const [statusLine = "", ...headerLines] = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = bytes.subarray(end + 4);
  const length = headers["content-length"];
  let body: Buffer;
  if (length !== undefined) {
    if (rest.length < Number(length)) return undefined;
    body = rest.subarray(0, Number(length));
  } else if (headers["transfer-encoding"] === "chunked") {
    const decoded = dechunk(rest);
    if (!decoded) return undefined;
    body = decoded;
  } else {
    if (!ended) return undefined;
    body = rest;
  }
  const text = body.toString("utf8");
  return { status, headers, body: text, json: () => JSON.parse(text) };
}

/** The body of a complete chunked response, or undefined while it is still arriving. */
function dechunk(bytes: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf("\r\n", at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString("latin1"), 16);
    if (size === 0) return Buffer.concat(parts);
    if (bytes.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
