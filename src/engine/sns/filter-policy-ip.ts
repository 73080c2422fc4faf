/**
 * IP address and CIDR handling for the filter-policy `cidr` operator, in plain code (no
 * `node:net`) so the filter stays runtime-neutral.
 *
 * The rules follow AWS's Event Ruler (`CIDR.java`), whose error messages SNS returns verbatim:
 * a CIDR is `address/bits`, the matched range runs from the address as written up to the
 * address with every host bit set, and the mask must be below the address width
 * (`IPv4 mask bits must be < 32`, `IPv6 mask bits must be < 128`).
 */

/** An inclusive address range of one family (4 or 16 bytes). */
export interface IpRange {
  readonly bottom: Uint8Array;
  readonly top: Uint8Array;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): Uint8Array | undefined {
  const match = IPV4.exec(text);
  if (match === null) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const octet = Number(match[i + 1]);
    if (octet > 255) return undefined;
    bytes[i] = octet;
  }
  return bytes;
}

function parseGroups(part: string): number[] | undefined {
  if (part === "") return [];
  const groups: number[] = [];
  for (const group of part.split(":")) {
    if (!HEX_GROUP.test(group)) return undefined;
    groups.push(Number.parseInt(group, 16));
  }
  return groups;
}

function parseIpv6(text: string): Uint8Array | undefined {
  if (!text.includes(":")) return undefined;
  let body = text;
  // An embedded IPv4 tail (`::ffff:10.0.0.1`) supplies the last two groups.
  let tail: number[] = [];
  const lastColon = body.lastIndexOf(":");
  const maybeV4 = body.slice(lastColon + 1);
  if (maybeV4.includes(".")) {
    const v4 = parseIpv4(maybeV4);
    if (v4 === undefined) return undefined;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    body = body.slice(0, lastColon + 1);
    if (body.endsWith(":") && !body.endsWith("::")) body = body.slice(0, -1);
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(halves[0]!);
    const rest = parseGroups(halves[1]!);
    if (head === undefined || rest === undefined) return undefined;
    const missing = 8 - head.length - rest.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...rest, ...tail];
  } else {
    const all = parseGroups(body);
    if (all === undefined) return undefined;
    groups = [...all, ...tail];
  }
  if (groups.length !== 8) return undefined;
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/** The bytes of an IPv4 (4) or IPv6 (16) literal, or `undefined` when `text` is not one. */
export function parseIp(text: string): Uint8Array | undefined {
  return parseIpv4(text) ?? parseIpv6(text);
}

/**
 * Parses a `cidr` operand. Returns the range, or the reason (Event Ruler's wording) it is not
 * a CIDR; the caller turns the reason into an `InvalidParameter` error.
 */
export function parseCidr(text: string): IpRange | string {
  // Java's String.split drops trailing empty strings, so "10.0.0.0/" has no mask part.
  const parts = text.split("/");
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length !== 2) return "Malformed CIDR, one '/' required";
  const [address, maskText] = parts as [string, string];
  if (!/^[+-]?\d{1,10}$/.test(maskText) || Math.abs(Number(maskText)) > 2_147_483_647) {
    return "Malformed CIDR, mask bits must be an integer";
  }
  const maskBits = Number(maskText);
  if (maskBits < 0) return "Malformed CIDR, mask bits must not be negative";
  const bottom = parseIp(address);
  if (bottom === undefined) return `Nonstandard IP address: ${address}`;
  if (bottom.length === 4 && maskBits > 31) return "IPv4 mask bits must be < 32";
  if (bottom.length === 16 && maskBits > 127) return "IPv6 mask bits must be < 128";
  const top = new Uint8Array(bottom);
  let hostBits = bottom.length * 8 - maskBits;
  for (let i = top.length - 1; i >= 0 && hostBits > 0; i--) {
    top[i] = top[i]! | (hostBits >= 8 ? 0xff : (1 << hostBits) - 1);
    hostBits -= 8;
  }
  return { bottom, top };
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const diff = a[i]! - b[i]!;
    if (diff !== 0) return diff;
  }
  return 0;
}

/** True when `value` is an IP literal of the range's family that lies inside it. */
export function ipInRange(range: IpRange, value: string): boolean {
  const ip = parseIp(value);
  if (ip === undefined || ip.length !== range.bottom.length) return false;
  return compareBytes(ip, range.bottom) >= 0 && compareBytes(ip, range.top) <= 0;
}
