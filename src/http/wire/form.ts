import type { AwsApiError } from "../../engine/errors.js";
import { echo, sqsError } from "../../engine/sqs/errors.js";

/** A message attribute as the engines take it (SQS and SNS share the shape). */
export interface AttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The name/value pairs of a form body (`a=1&b=%C3%A9`), in order. As URLSearchParams
 * reads them (`+` is a space, a `%` not followed by two hex digits is itself), except that
 * percent-escapes which are not UTF-8 are refused rather than read as U+FFFD: SQS refuses
 * characters it cannot store (InvalidMessageContents).
 *
 * @throws AwsApiError InvalidMessageContents naming the parameter.
 */
export function formEntries(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const part of text.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = decodeFormText(eq < 0 ? part : part.slice(0, eq), undefined);
    out.push([name, eq < 0 ? "" : decodeFormText(part.slice(eq + 1), name)]);
  }
  return out;
}

function decodeFormText(text: string, name: string | undefined): string {
  const spaced = text.includes("+") ? text.replaceAll("+", " ") : text;
  if (!spaced.includes("%")) return spaced;
  try {
    return decodeURIComponent(spaced.replace(/%(?![0-9A-Fa-f]{2})/g, "%25"));
  } catch {
    const where = name === undefined ? `parameter name ${echo(spaced)}` : `parameter ${echo(name)}`;
    throw sqsError.invalidMessageContents(`The ${where} is not UTF-8 once percent-decoded.`);
  }
}

/**
 * Decodes base64 text strictly (Node's decoder skips bad characters silently).
 *
 * @throws AwsApiError from `invalid` when the text is not base64.
 */
export function decodeBase64(
  text: string,
  name: string,
  invalid: (message: string) => AwsApiError,
): Uint8Array {
  const compact = text.replace(/\s+/g, "");
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw invalid(`Value for parameter ${name} is invalid. Reason: it is not base64.`);
  }
  return new Uint8Array(Buffer.from(compact, "base64"));
}

/**
 * The parameters of a query-protocol request (`Action=SendMessage&QueueUrl=…`),
 * with readers for AWS's flattened encodings of numbers, lists (`Name.1`),
 * structures in lists (`Entry.1.Id`) and maps (`Attribute.1.Name` / `.Value`).
 */
export class FormParams {
  readonly #values: ReadonlyMap<string, string>;
  readonly #prefix: string;
  readonly #invalid: (message: string) => AwsApiError;

  constructor(
    values: ReadonlyMap<string, string>,
    invalid: (message: string) => AwsApiError,
    prefix = "",
  ) {
    this.#values = values;
    this.#invalid = invalid;
    this.#prefix = prefix;
  }

  /** The parameters of a form body (later duplicates win, as on AWS). */
  static parse(text: string, invalid: (message: string) => AwsApiError): FormParams {
    return new FormParams(new Map(formEntries(text)), invalid);
  }

  get(name: string): string | undefined {
    return this.#values.get(this.#prefix + name);
  }

  int(name: string): number | undefined {
    const text = this.get(name);
    if (text === undefined) return undefined;
    if (!/^-?\d{1,15}$/.test(text.trim())) {
      throw this.#invalid(
        `Value ${text} for parameter ${this.#prefix}${name} is invalid. Reason: it must be an integer.`,
      );
    }
    return Number(text);
  }

  bool(name: string): boolean | undefined {
    const text = this.get(name);
    if (text === undefined) return undefined;
    if (text === "true" || text === "false") return text === "true";
    throw this.#invalid(
      `Value ${text} for parameter ${this.#prefix}${name} is invalid. Reason: it must be true or false.`,
    );
  }

  /** `Name.1`, `Name.2`, … in index order. */
  list(name: string): string[] {
    return this.#indexed(name, /^(\d+)$/).map(([, key]) => this.#values.get(key)!);
  }

  /** The structures `Name.1.*`, `Name.2.*`, … in index order, each read with its own prefix. */
  entries(name: string): FormParams[] {
    return this.#indexed(name, /^(\d+)\./).map(
      ([index]) => new FormParams(this.#values, this.#invalid, `${this.#prefix}${name}.${index}.`),
    );
  }

  /** A map `Name.N.<key>` / `Name.N.<value>`; undefined when there is no entry. */
  map(name: string, key: string, value: string): Record<string, string> | undefined {
    const entries = this.entries(name);
    if (entries.length === 0) return undefined;
    // No prototype: a key such as `__proto__` is data like any other.
    const out: Record<string, string> = Object.create(null);
    for (const entry of entries) out[entry.#require(key)] = entry.get(value) ?? "";
    return out;
  }

  /** Message attributes `Name.N.<key>` + `Name.N.Value.DataType|StringValue|BinaryValue`; undefined when none. */
  attributes(name: string, key: string): Record<string, AttributeValue> | undefined {
    const entries = this.entries(name);
    if (entries.length === 0) return undefined;
    const out: Record<string, AttributeValue> = Object.create(null);
    for (const entry of entries) {
      const binary = entry.get("Value.BinaryValue");
      const string = entry.get("Value.StringValue");
      out[entry.#require(key)] = {
        DataType: entry.get("Value.DataType") ?? "",
        ...(string === undefined ? {} : { StringValue: string }),
        ...(binary === undefined
          ? {}
          : {
              BinaryValue: decodeBase64(binary, `${entry.#prefix}Value.BinaryValue`, this.#invalid),
            }),
      };
    }
    return out;
  }

  #require(name: string): string {
    const value = this.get(name);
    if (value === undefined) {
      throw this.#invalid(
        `Value for parameter ${this.#prefix}${name} is invalid. Reason: it is missing.`,
      );
    }
    return value;
  }

  /** Distinct indexes N of `Name.N<rest>`, sorted, each with the first key seen. */
  #indexed(name: string, rest: RegExp): Array<[index: number, key: string]> {
    const head = `${this.#prefix}${name}.`;
    const found = new Map<number, string>();
    for (const key of this.#values.keys()) {
      if (!key.startsWith(head)) continue;
      const match = rest.exec(key.slice(head.length));
      if (!match) continue;
      const index = Number(match[1]);
      if (!found.has(index)) found.set(index, key);
    }
    return [...found].sort(([a], [b]) => a - b);
  }
}
