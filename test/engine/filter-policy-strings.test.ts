/**
 * String operators of SNS filter policies, row by row from "String value matching in Amazon
 * SNS" (SNS Developer Guide), for message attributes and for message bodies.
 */
import { describe, expect, it } from "vitest";
import type { SnsMessageAttribute } from "../../src/engine/sns/filter-policy.js";
import { parseFilterPolicy } from "../../src/engine/sns/filter-policy.js";

/** The docs write attributes as `{"Type": ..., "Value": ...}`. */
function attr(Type: string, Value: string): SnsMessageAttribute {
  return { DataType: Type, StringValue: Value };
}

interface AttributeRow {
  doc: string;
  policy: string;
  attributes: Record<string, SnsMessageAttribute>;
  matches: boolean;
}

interface BodyRow {
  doc: string;
  policy: string;
  body: string;
  matches: boolean;
}

const attributeRows: AttributeRow[] = [
  // Exact matching
  {
    doc: "Exact matching: rugby",
    policy: '{"customer_interests": ["rugby", "tennis"]}',
    attributes: { customer_interests: attr("String", "rugby") },
    matches: true,
  },
  {
    doc: "Exact matching: tennis",
    policy: '{"customer_interests": ["rugby", "tennis"]}',
    attributes: { customer_interests: attr("String", "tennis") },
    matches: true,
  },
  {
    doc: 'Exact matching: String.Array ["rugby", "tennis"]',
    policy: '{"customer_interests": ["rugby", "tennis"]}',
    attributes: { customer_interests: attr("String.Array", '["rugby", "tennis"]') },
    matches: true,
  },
  {
    doc: "Exact matching: baseball does not match",
    policy: '{"customer_interests": ["rugby", "tennis"]}',
    attributes: { customer_interests: attr("String", "baseball") },
    matches: false,
  },
  {
    doc: 'Exact matching: String.Array ["baseball"] does not match',
    policy: '{"customer_interests": ["rugby", "tennis"]}',
    attributes: { customer_interests: attr("String.Array", '["baseball"]') },
    matches: false,
  },
  {
    doc: "Filter policy constraints: string matching is case-sensitive",
    policy: '{"customer_interests": ["rugby"]}',
    attributes: { customer_interests: attr("String", "Rugby") },
    matches: false,
  },
  // Anything-but matching
  {
    doc: "Anything-but matching: baseball",
    policy: '{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}',
    attributes: { customer_interests: attr("String", "baseball") },
    matches: true,
  },
  {
    doc: "Anything-but matching: football",
    policy: '{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}',
    attributes: { customer_interests: attr("String", "football") },
    matches: true,
  },
  {
    doc: 'Anything-but matching: String.Array ["rugby", "baseball"] (contains a value that isn\'t rugby or tennis)',
    policy: '{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}',
    attributes: { customer_interests: attr("String.Array", '["rugby", "baseball"]') },
    matches: true,
  },
  {
    doc: "Anything-but matching: rugby does not match",
    policy: '{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}',
    attributes: { customer_interests: attr("String", "rugby") },
    matches: false,
  },
  {
    doc: "Anything-but matching: a missing attribute does not match",
    policy: '{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}',
    attributes: { store: attr("String", "example_corp") },
    matches: false,
  },
  {
    doc: 'Anything-but matching: can be combined with "exists": false (attribute missing)',
    policy: '{"customer_interests": [{"anything-but": ["rugby", "tennis"]}, {"exists": false}]}',
    attributes: { store: attr("String", "example_corp") },
    matches: true,
  },
  {
    doc: "Example filter policies: anything-but single value order_cancelled vs order_placed",
    policy: '{"event": [{"anything-but": "order_cancelled"}]}',
    attributes: { event: attr("String", "order_placed") },
    matches: true,
  },
  {
    doc: "Example filter policies: anything-but single value order_cancelled vs order_cancelled",
    policy: '{"event": [{"anything-but": "order_cancelled"}]}',
    attributes: { event: attr("String", "order_cancelled") },
    matches: false,
  },
  // Using a prefix with the anything-but operator
  {
    doc: "Anything-but with prefix: data-entry",
    policy: '{"event": [{"anything-but": {"prefix": "order-"}}]}',
    attributes: { event: attr("String", "data-entry") },
    matches: true,
  },
  {
    doc: "Anything-but with prefix: order_number",
    policy: '{"event": [{"anything-but": {"prefix": "order-"}}]}',
    attributes: { event: attr("String", "order_number") },
    matches: true,
  },
  {
    doc: "Anything-but with prefix: order-cancelled does not match",
    policy: '{"event": [{"anything-but": {"prefix": "order-"}}]}',
    attributes: { event: attr("String", "order-cancelled") },
    matches: false,
  },
  // Anything-but with suffix (Event Ruler's form of the same operator)
  {
    doc: "Anything-but with suffix: rugby does not end with ball",
    policy: '{"customer_interests": [{"anything-but": {"suffix": "ball"}}]}',
    attributes: { customer_interests: attr("String", "rugby") },
    matches: true,
  },
  {
    doc: "Anything-but with suffix: baseball ends with ball",
    policy: '{"customer_interests": [{"anything-but": {"suffix": "ball"}}]}',
    attributes: { customer_interests: attr("String", "baseball") },
    matches: false,
  },
  // Equals-ignore-case matching
  {
    doc: "Equals-ignore-case matching: TENNIS",
    policy: '{"customer_interests": [{"equals-ignore-case": "tennis"}]}',
    attributes: { customer_interests: attr("String", "TENNIS") },
    matches: true,
  },
  {
    doc: "Equals-ignore-case matching: Tennis",
    policy: '{"customer_interests": [{"equals-ignore-case": "tennis"}]}',
    attributes: { customer_interests: attr("String", "Tennis") },
    matches: true,
  },
  {
    doc: "Equals-ignore-case matching: baseball does not match",
    policy: '{"customer_interests": [{"equals-ignore-case": "tennis"}]}',
    attributes: { customer_interests: attr("String", "baseball") },
    matches: false,
  },
  // IP address matching
  {
    doc: "IP address matching: 10.0.0.0 in 10.0.0.0/24",
    policy: '{"source_ip": [{"cidr": "10.0.0.0/24"}]}',
    attributes: { source_ip: attr("String", "10.0.0.0") },
    matches: true,
  },
  {
    doc: "IP address matching: 10.0.0.255 in 10.0.0.0/24",
    policy: '{"source_ip": [{"cidr": "10.0.0.0/24"}]}',
    attributes: { source_ip: attr("String", "10.0.0.255") },
    matches: true,
  },
  {
    doc: "IP address matching: 10.1.1.0 is not in 10.0.0.0/24",
    policy: '{"source_ip": [{"cidr": "10.0.0.0/24"}]}',
    attributes: { source_ip: attr("String", "10.1.1.0") },
    matches: false,
  },
  {
    doc: "IP address matching: 10.0.0.15 in 10.0.0.0/28 (mask inside a byte)",
    policy: '{"source_ip": [{"cidr": "10.0.0.0/28"}]}',
    attributes: { source_ip: attr("String", "10.0.0.15") },
    matches: true,
  },
  {
    doc: "IP address matching: 10.0.0.16 is outside 10.0.0.0/28",
    policy: '{"source_ip": [{"cidr": "10.0.0.0/28"}]}',
    attributes: { source_ip: attr("String", "10.0.0.16") },
    matches: false,
  },
  {
    doc: "IP address matching (IPv6): 2001:db8::1 in 2001:db8::/32",
    policy: '{"source_ip": [{"cidr": "2001:db8::/32"}]}',
    attributes: { source_ip: attr("String", "2001:db8::1") },
    matches: true,
  },
  {
    doc: "IP address matching (IPv6): last address of 2001:db8::/32",
    policy: '{"source_ip": [{"cidr": "2001:db8::/32"}]}',
    attributes: { source_ip: attr("String", "2001:0db8:ffff:ffff:ffff:ffff:ffff:ffff") },
    matches: true,
  },
  {
    doc: "IP address matching (IPv6): 2001:db9::1 is outside 2001:db8::/32",
    policy: '{"source_ip": [{"cidr": "2001:db8::/32"}]}',
    attributes: { source_ip: attr("String", "2001:db9::1") },
    matches: false,
  },
  {
    doc: "IP address matching: an IPv4 value never matches an IPv6 CIDR",
    policy: '{"source_ip": [{"cidr": "::/0"}]}',
    attributes: { source_ip: attr("String", "10.0.0.1") },
    matches: false,
  },
  {
    doc: "IP address matching: a value that is not an IP does not match",
    policy: '{"source_ip": [{"cidr": "10.0.0.0/8"}]}',
    attributes: { source_ip: attr("String", "ten.zero.zero.one") },
    matches: false,
  },
  // Prefix matching
  {
    doc: "Prefix matching: baseball",
    policy: '{"customer_interests": [{"prefix": "bas"}]}',
    attributes: { customer_interests: attr("String", "baseball") },
    matches: true,
  },
  {
    doc: "Prefix matching: basketball",
    policy: '{"customer_interests": [{"prefix": "bas"}]}',
    attributes: { customer_interests: attr("String", "basketball") },
    matches: true,
  },
  {
    doc: "Prefix matching: rugby does not match",
    policy: '{"customer_interests": [{"prefix": "bas"}]}',
    attributes: { customer_interests: attr("String", "rugby") },
    matches: false,
  },
  {
    doc: "Prefix matching: bas inside rebase is not a prefix",
    policy: '{"customer_interests": [{"prefix": "bas"}]}',
    attributes: { customer_interests: attr("String", "rebase") },
    matches: false,
  },
  // Suffix matching
  {
    doc: "Suffix matching: baseball",
    policy: '{"customer_interests": [{"suffix": "ball"}]}',
    attributes: { customer_interests: attr("String", "baseball") },
    matches: true,
  },
  {
    doc: "Suffix matching: basketball",
    policy: '{"customer_interests": [{"suffix": "ball"}]}',
    attributes: { customer_interests: attr("String", "basketball") },
    matches: true,
  },
  {
    doc: "Suffix matching: rugby does not match",
    policy: '{"customer_interests": [{"suffix": "ball"}]}',
    attributes: { customer_interests: attr("String", "rugby") },
    matches: false,
  },
];

const bodyRows: BodyRow[] = [
  {
    doc: "Exact matching (body): rugby",
    policy: '{"customer_interests": ["rugby", "tennis"]}',
    body: '{"customer_interests": "rugby"}',
    matches: true,
  },
  {
    doc: "Exact matching (body): tennis",
    policy: '{"customer_interests": ["rugby", "tennis"]}',
    body: '{"customer_interests": "tennis"}',
    matches: true,
  },
  {
    doc: "Exact matching (body): baseball does not match",
    policy: '{"customer_interests": ["rugby", "tennis"]}',
    body: '{"customer_interests": "baseball"}',
    matches: false,
  },
  {
    doc: "Anything-but matching (body): baseball",
    policy: '{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}',
    body: '{"customer_interests": "baseball"}',
    matches: true,
  },
  {
    doc: 'Anything-but matching (body): ["rugby", "baseball"] contains a value that isn\'t rugby or tennis',
    policy: '{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}',
    body: '{"customer_interests": ["rugby", "baseball"]}',
    matches: true,
  },
  {
    doc: "Anything-but matching (body): rugby does not match",
    policy: '{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}',
    body: '{"customer_interests": "rugby"}',
    matches: false,
  },
  {
    doc: "Anything-but with prefix (body): data-entry",
    policy: '{"event": [{"anything-but": {"prefix": "order-"}}]}',
    body: '{"event": "data-entry"}',
    matches: true,
  },
  {
    doc: "Anything-but with prefix (body): order-cancelled does not match",
    policy: '{"event": [{"anything-but": {"prefix": "order-"}}]}',
    body: '{"event": "order-cancelled"}',
    matches: false,
  },
  {
    doc: "Equals-ignore-case matching (body): TENNIS",
    policy: '{"customer_interests": [{"equals-ignore-case": "tennis"}]}',
    body: '{"customer_interests": "TENNIS"}',
    matches: true,
  },
  {
    doc: "IP address matching (body): 10.0.0.255",
    policy: '{"source_ip": [{"cidr": "10.0.0.0/24"}]}',
    body: '{"source_ip": "10.0.0.255"}',
    matches: true,
  },
  {
    doc: "IP address matching (body): 10.1.1.0 does not match",
    policy: '{"source_ip": [{"cidr": "10.0.0.0/24"}]}',
    body: '{"source_ip": "10.1.1.0"}',
    matches: false,
  },
  {
    doc: "Prefix matching (body): basketball",
    policy: '{"customer_interests": [{"prefix": "bas"}]}',
    body: '{"customer_interests": "basketball"}',
    matches: true,
  },
  {
    doc: "Prefix matching (body): rugby does not match",
    policy: '{"customer_interests": [{"prefix": "bas"}]}',
    body: '{"customer_interests": "rugby"}',
    matches: false,
  },
  {
    doc: "Suffix matching (body): baseball",
    policy: '{"customer_interests": [{"suffix": "ball"}]}',
    body: '{"customer_interests": "baseball"}',
    matches: true,
  },
  {
    doc: "Suffix matching (body): rugby does not match",
    policy: '{"customer_interests": [{"suffix": "ball"}]}',
    body: '{"customer_interests": "rugby"}',
    matches: false,
  },
];

describe("filter policy string matching, MessageAttributes scope", () => {
  it.each(attributeRows)("$doc", ({ policy, attributes, matches }) => {
    const filter = parseFilterPolicy(policy);
    expect(filter.scope).toBe("MessageAttributes");
    expect(filter.matches({ attributes, body: "message-body-with-transaction-details" })).toBe(
      matches,
    );
  });
});

describe("filter policy string matching, MessageBody scope", () => {
  it.each(bodyRows)("$doc", ({ policy, body, matches }) => {
    const filter = parseFilterPolicy(policy, "MessageBody");
    expect(filter.scope).toBe("MessageBody");
    expect(filter.matches({ attributes: {}, body })).toBe(matches);
  });
});
