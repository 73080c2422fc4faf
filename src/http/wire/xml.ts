/**
 * A small XML writer for the query protocol's responses: AWS's output
 * shapes as elements, with the two list and map encodings AWS uses
 * (SQS flattens lists and maps; SNS wraps them in `member` / `entry`).
 */

/** How one service lays out lists and maps in its XML. */
export interface XmlLayout {
  /** SQS: each item is its own element (`<QueueUrl>a</QueueUrl><QueueUrl>b</QueueUrl>`); SNS: `<Topics><member>…</member></Topics>`. */
  readonly flattened: boolean;
  /** Element names of flattened list items and maps, by output field (`Messages` → `Message`). */
  readonly names: Readonly<Record<string, string>>;
  /** Output fields that are maps, with the element names of their key and value. */
  readonly maps: Readonly<Record<string, { key: string; value: string }>>;
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
  // A literal CR would be normalized to LF by every XML parser (XML 1.0 §2.11).
  "\r": "&#xD;",
};

/** Escapes text for element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (ch) => ESCAPES[ch]!);
}

/** `<name>text</name>` with the text escaped. */
export function element(name: string, text: string): string {
  return `<${name}>${escapeXml(text)}</${name}>`;
}

/** The elements of an output shape's fields, in the layout of the service. */
export function encodeFields(value: object, layout: XmlLayout): string {
  return Object.entries(value)
    .map(([name, field]) => encodeValue(name, field, layout))
    .join("");
}

function encodeValue(name: string, value: unknown, layout: XmlLayout): string {
  if (value === undefined || value === null) return "";
  if (value instanceof Uint8Array) return element(name, Buffer.from(value).toString("base64"));
  if (typeof value !== "object") return element(name, String(value));
  if (Array.isArray(value)) {
    if (layout.flattened) {
      const item = layout.names[name] ?? name;
      return value.map((v) => encodeValue(item, v, layout)).join("");
    }
    return `<${name}>${value.map((v) => encodeValue("member", v, layout)).join("")}</${name}>`;
  }
  const map = layout.maps[name];
  if (map) {
    const entries = Object.entries(value).map(
      ([key, v]) => `${element(map.key, key)}${encodeValue(map.value, v, layout)}`,
    );
    if (layout.flattened) {
      const item = layout.names[name] ?? name;
      return entries.map((e) => `<${item}>${e}</${item}>`).join("");
    }
    return `<${name}>${entries.map((e) => `<entry>${e}</entry>`).join("")}</${name}>`;
  }
  return `<${name}>${encodeFields(value, layout)}</${name}>`;
}

/**
 * A whole query-protocol response: `<XxxResponse xmlns><XxxResult>…</XxxResult>
 * <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></XxxResponse>`.
 * `result` undefined leaves the Result element out (actions with no output).
 */
export function queryResponse(
  action: string,
  namespace: string,
  result: string | undefined,
  requestId: string,
): string {
  const body = result === undefined ? "" : `<${action}Result>${result}</${action}Result>`;
  return `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="${namespace}">${body}<ResponseMetadata>${element("RequestId", requestId)}</ResponseMetadata></${action}Response>`;
}

/** A query-protocol error: `<ErrorResponse><Error><Type/><Code/><Message/>…</Error><RequestId/></ErrorResponse>`. */
export function queryErrorResponse(
  namespace: string,
  error: { code: string; message: string; sender: boolean },
  requestId: string,
  detail: boolean,
): string {
  const fault = element("Type", error.sender ? "Sender" : "Receiver");
  const inner = `${fault}${element("Code", error.code)}${element("Message", error.message)}${detail ? "<Detail/>" : ""}`;
  return `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse xmlns="${namespace}"><Error>${inner}</Error>${element("RequestId", requestId)}</ErrorResponse>`;
}
