/**
 * Numeric operators of SNS filter policies, from "Numeric value matching in Amazon SNS" and
 * the numeric rules of "Filter policy constraints in Amazon SNS", plus how numbers and strings
 * meet (a Number attribute is a number, a String attribute is a string).
 */
import { describe, expect, it } from "vitest";
import type { SnsMessageAttribute } from "../../src/engine/sns/filter-policy.js";
import { parseFilterPolicy } from "../../src/engine/sns/filter-policy.js";

function attr(Type: string, Value: string): SnsMessageAttribute {
  return { DataType: Type, StringValue: Value };
}

interface AttributeRow {
  doc: string;
  policy: string;
  attributes: Record<string, SnsMessageAttribute>;
  matches: boolean;
}

const attributeRows: AttributeRow[] = [
  // Exact matching
  {
    doc: 'Exact matching: "numeric" ["=", 301.5] vs Number 301.5',
    policy: '{"price_usd": [{"numeric": ["=", 301.5]}]}',
    attributes: { price_usd: attr("Number", "301.5") },
    matches: true,
  },
  {
    doc: 'Exact matching: "numeric" ["=", 301.5] vs Number 3.015e2',
    policy: '{"price_usd": [{"numeric": ["=", 301.5]}]}',
    attributes: { price_usd: attr("Number", "3.015e2") },
    matches: true,
  },
  {
    doc: 'Exact matching: "numeric" ["=", 301.5] vs Number 301.6',
    policy: '{"price_usd": [{"numeric": ["=", 301.5]}]}',
    attributes: { price_usd: attr("Number", "301.6") },
    matches: false,
  },
  {
    doc: "Example filter policies: a plain number value matches a Number attribute numerically",
    policy: '{"price_usd": [210.75]}',
    attributes: { price_usd: attr("Number", "210.750") },
    matches: true,
  },
  // Anything-but matching
  {
    doc: "Anything-but matching (numeric): 101",
    policy: '{"price": [{"anything-but": [100, 500]}]}',
    attributes: { price: attr("Number", "101") },
    matches: true,
  },
  {
    doc: "Anything-but matching (numeric): 100.1",
    policy: '{"price": [{"anything-but": [100, 500]}]}',
    attributes: { price: attr("Number", "100.1") },
    matches: true,
  },
  {
    doc: "Anything-but matching (numeric): array [100, 50] contains a value that isn't 100 or 500",
    policy: '{"price": [{"anything-but": [100, 500]}]}',
    attributes: { price: attr("String.Array", "[100, 50]") },
    matches: true,
  },
  {
    doc: "Anything-but matching (numeric): 100 does not match",
    policy: '{"price": [{"anything-but": [100, 500]}]}',
    attributes: { price: attr("Number", "100") },
    matches: false,
  },
  {
    doc: "Anything-but matching (numeric): 1e2 is 100 and does not match",
    policy: '{"price": [{"anything-but": [100, 500]}]}',
    attributes: { price: attr("Number", "1e2") },
    matches: false,
  },
  // Value range matching
  {
    doc: 'Value range matching: ["<", 0] matches negative -0.5',
    policy: '{"price_usd": [{"numeric": ["<", 0]}]}',
    attributes: { price_usd: attr("Number", "-0.5") },
    matches: true,
  },
  {
    doc: 'Value range matching: ["<", 0] does not match 0',
    policy: '{"price_usd": [{"numeric": ["<", 0]}]}',
    attributes: { price_usd: attr("Number", "0") },
    matches: false,
  },
  {
    doc: 'Value range matching: [">", 0, "<=", 150] matches 150',
    policy: '{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}',
    attributes: { price_usd: attr("Number", "150") },
    matches: true,
  },
  {
    doc: 'Value range matching: [">", 0, "<=", 150] matches 0.5',
    policy: '{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}',
    attributes: { price_usd: attr("Number", "0.5") },
    matches: true,
  },
  {
    doc: 'Value range matching: [">", 0, "<=", 150] does not match 0',
    policy: '{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}',
    attributes: { price_usd: attr("Number", "0") },
    matches: false,
  },
  {
    doc: 'Value range matching: [">", 0, "<=", 150] does not match 150.5',
    policy: '{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}',
    attributes: { price_usd: attr("Number", "150.5") },
    matches: false,
  },
  {
    doc: 'Value range matching: [">=", 100] matches 100 (inclusive)',
    policy: '{"price_usd": [{"numeric": [">=", 100]}]}',
    attributes: { price_usd: attr("Number", "100") },
    matches: true,
  },
  {
    doc: 'Value range matching: ["<=", 100] does not match 100.5',
    policy: '{"price_usd": [{"numeric": ["<=", 100]}]}',
    attributes: { price_usd: attr("Number", "100.5") },
    matches: false,
  },
  {
    doc: 'Value range matching: [">=", 10, "<", 20] does not match 20 (exclusive top)',
    policy: '{"price_usd": [{"numeric": [">=", 10, "<", 20]}]}',
    attributes: { price_usd: attr("Number", "20") },
    matches: false,
  },
  {
    doc: "Value range matching: numeric elements of a String.Array are numbers",
    policy: '{"price_usd": [{"numeric": [">", 100]}]}',
    attributes: { price_usd: attr("String.Array", '[5, "x", 150]') },
    matches: true,
  },
  // Filter policy constraints: five digits of accuracy, range of -10^9..10^9
  {
    doc: "Filter policy constraints: numbers differing in the 5th decimal are different",
    policy: '{"price_usd": [{"numeric": ["=", 1.00001]}]}',
    attributes: { price_usd: attr("Number", "1.00002") },
    matches: false,
  },
  {
    doc: "Filter policy constraints: numbers differing beyond the accuracy compare equal",
    policy: '{"price_usd": [{"numeric": ["=", 5]}]}',
    attributes: { price_usd: attr("Number", "5.0000001") },
    matches: true,
  },
  {
    doc: "Filter policy constraints: a message number above 10^9 takes no part in ranges",
    policy: '{"price_usd": [{"numeric": [">", 0]}]}',
    attributes: { price_usd: attr("Number", "2000000000") },
    matches: false,
  },
  {
    doc: "Filter policy constraints: -10^9 is inside the range",
    policy: '{"price_usd": [{"numeric": [">=", -1000000000, "<", 0]}]}',
    attributes: { price_usd: attr("Number", "-1e9") },
    matches: true,
  },
  {
    doc: "Filter policy constraints: an exact number beyond 10^9 (an account id) matches by equality",
    policy: '{"account": [123456789012]}',
    attributes: { account: attr("Number", "123456789012") },
    matches: true,
  },
  // Number attributes and string matching
  {
    doc: "Numeric value matching: numeric operators do not match a String attribute",
    policy: '{"price_usd": [{"numeric": [">", 100]}]}',
    attributes: { price_usd: attr("String", "210.75") },
    matches: false,
  },
  {
    doc: "Numeric value matching: a number value does not match a String attribute",
    policy: '{"price_usd": [210.75]}',
    attributes: { price_usd: attr("String", "210.75") },
    matches: false,
  },
  {
    doc: "Numeric value matching: a quoted string value does not match a Number attribute",
    policy: '{"price_usd": ["210.75"]}',
    attributes: { price_usd: attr("Number", "210.75") },
    matches: false,
  },
  {
    doc: "Numeric value matching note: prefixes are supported for string matching only",
    policy: '{"price_usd": [{"prefix": "21"}]}',
    attributes: { price_usd: attr("Number", "210.75") },
    matches: false,
  },
  {
    doc: "Numeric value matching: a quoted string matches the same text in a String.Array",
    policy: '{"price_usd": ["210.75"]}',
    attributes: { price_usd: attr("String.Array", '["210.75"]') },
    matches: true,
  },
];

interface BodyRow {
  doc: string;
  policy: string;
  body: string;
  matches: boolean;
}

const bodyRows: BodyRow[] = [
  {
    doc: "Exact matching (body): 301.5",
    policy: '{"price_usd": [{"numeric": ["=", 301.5]}]}',
    body: '{"price_usd": 301.5}',
    matches: true,
  },
  {
    doc: "Exact matching (body): 3.015e2",
    policy: '{"price_usd": [{"numeric": ["=", 301.5]}]}',
    body: '{"price_usd": 3.015e2}',
    matches: true,
  },
  {
    doc: "Anything-but matching (body): 101",
    policy: '{"price": [{"anything-but": [100, 500]}]}',
    body: '{"price": 101}',
    matches: true,
  },
  {
    doc: "Anything-but matching (body): [100, 50] contains a value that isn't 100 or 500",
    policy: '{"price": [{"anything-but": [100, 500]}]}',
    body: '{"price": [100, 50]}',
    matches: true,
  },
  {
    doc: "Anything-but matching (body): 100 does not match",
    policy: '{"price": [{"anything-but": [100, 500]}]}',
    body: '{"price": 100}',
    matches: false,
  },
  {
    doc: 'Value range matching (body): [">", 0, "<=", 150] matches 42',
    policy: '{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}',
    body: '{"price_usd": 42}',
    matches: true,
  },
  {
    doc: 'Value range matching (body): ["<", 0] does not match the string "-5"',
    policy: '{"price_usd": [{"numeric": ["<", 0]}]}',
    body: '{"price_usd": "-5"}',
    matches: false,
  },
];

describe("filter policy numeric matching, MessageAttributes scope", () => {
  it.each(attributeRows)("$doc", ({ policy, attributes, matches }) => {
    const filter = parseFilterPolicy(policy);
    expect(filter.matches({ attributes, body: "" })).toBe(matches);
  });
});

describe("filter policy numeric matching, MessageBody scope", () => {
  it.each(bodyRows)("$doc", ({ policy, body, matches }) => {
    const filter = parseFilterPolicy(policy, "MessageBody");
    expect(filter.matches({ attributes: {}, body })).toBe(matches);
  });
});
