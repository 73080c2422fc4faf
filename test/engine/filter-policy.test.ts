/**
 * Filter-policy structure: key matching (`exists`), AND/OR logic and `$or`, the docs' example
 * message and policies, payload-based (MessageBody) filtering, String.Array and Binary
 * attributes. Rows name the SNS Developer Guide page and example they come from; a few name
 * LocalStack's tests recorded against real AWS (tests/aws/services/sns/test_sns_filter_policy.py).
 */
import { describe, expect, it } from "vitest";
import type { SnsMessageAttribute } from "../../src/engine/sns/filter-policy.js";
import { parseFilterPolicy } from "../../src/engine/sns/filter-policy.js";

function attr(Type: string, Value: string): SnsMessageAttribute {
  return { DataType: Type, StringValue: Value };
}

/** The example message of "Amazon SNS subscription filter policies". */
const exampleMessage: Record<string, SnsMessageAttribute> = {
  customer_interests: attr("String.Array", '["soccer", "rugby", "hockey"]'),
  store: attr("String", "example_corp"),
  event: attr("String", "order_placed"),
  price_usd: attr("Number", "210.75"),
};

interface AttributeRow {
  doc: string;
  policy: string;
  attributes: Record<string, SnsMessageAttribute>;
  matches: boolean;
}

const attributeRows: AttributeRow[] = [
  // Example filter policies
  {
    doc: "Example filter policies: a policy that accepts the example message",
    policy: `{
      "store": ["example_corp"],
      "event": [{"anything-but": "order_cancelled"}],
      "customer_interests": ["rugby", "football", "baseball"],
      "price_usd": [{"numeric": [">=", 100]}]
    }`,
    attributes: exampleMessage,
    matches: true,
  },
  {
    doc: "Example filter policies: a policy that rejects the example message (no encrypted attribute)",
    policy: `{
      "store": ["example_corp"],
      "event": ["order_cancelled"],
      "encrypted": [false],
      "customer_interests": ["basketball", "baseball"]
    }`,
    attributes: exampleMessage,
    matches: false,
  },
  {
    doc: "Subscription filter policies: attributes not named in the policy are ignored",
    policy: '{"store": ["example_corp"]}',
    attributes: exampleMessage,
    matches: true,
  },
  // Key matching
  {
    doc: 'Key matching: "exists": true with the store attribute present',
    policy: '{"store": [{"exists": true}]}',
    attributes: {
      store: attr("String", "fans"),
      customer_interests: attr("String.Array", '["baseball", "basketball"]'),
    },
    matches: true,
  },
  {
    doc: 'Key matching: "exists": true without the store attribute',
    policy: '{"store": [{"exists": true}]}',
    attributes: { customer_interests: attr("String.Array", '["baseball", "basketball"]') },
    matches: false,
  },
  {
    doc: 'Key matching: "exists": false with the store attribute present',
    policy: '{"store": [{"exists": false}]}',
    attributes: {
      store: attr("String", "fans"),
      customer_interests: attr("String.Array", '["baseball", "basketball"]'),
    },
    matches: false,
  },
  {
    doc: 'Key matching: "exists": false without the store attribute',
    policy: '{"store": [{"exists": false}]}',
    attributes: { customer_interests: attr("String.Array", '["baseball", "basketball"]') },
    matches: true,
  },
  {
    doc: 'Key matching: "exists": true matches a Number attribute (LocalStack AWS-recorded test_exists_filter_policy)',
    policy: '{"store": [{"exists": true}]}',
    attributes: { store: attr("Number", "99"), def: attr("Number", "99") },
    matches: true,
  },
  // Binary attributes: "Amazon SNS ignores message attributes with the Binary data type"
  {
    doc: "Filter policy constraints: a Binary attribute is ignored (exists true)",
    policy: '{"store": [{"exists": true}]}',
    attributes: { store: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2]) } },
    matches: false,
  },
  {
    doc: "Filter policy constraints: a Binary attribute is ignored (exists false)",
    policy: '{"store": [{"exists": false}]}',
    attributes: { store: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2]) } },
    matches: true,
  },
  {
    doc: "Filter policy constraints: a Binary attribute never matches a value",
    policy: '{"store": [{"anything-but": "x"}]}',
    attributes: { store: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2]) } },
    matches: false,
  },
  // AND / OR logic
  {
    doc: "AND logic: rugby and price_usd > 100",
    policy: '{"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]}',
    attributes: {
      customer_interests: attr("String", "rugby"),
      price_usd: attr("Number", "101"),
    },
    matches: true,
  },
  {
    doc: "AND logic: rugby but price_usd 100 is not > 100",
    policy: '{"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]}',
    attributes: {
      customer_interests: attr("String", "rugby"),
      price_usd: attr("Number", "100"),
    },
    matches: false,
  },
  {
    doc: "OR logic: football is one of rugby, football, baseball",
    policy: '{"customer_interests": ["rugby", "football", "baseball"]}',
    attributes: { customer_interests: attr("String", "football") },
    matches: true,
  },
  {
    doc: "OR logic: tennis is none of rugby, football, baseball",
    policy: '{"customer_interests": ["rugby", "football", "baseball"]}',
    attributes: { customer_interests: attr("String", "tennis") },
    matches: false,
  },
  {
    doc: "OR operator, standard OR: source and metricName",
    policy:
      '{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}',
    attributes: {
      source: attr("String", "aws.cloudwatch"),
      metricName: attr("String", "CPUUtilization"),
    },
    matches: true,
  },
  {
    doc: "OR operator, standard OR: source and namespace",
    policy:
      '{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}',
    attributes: {
      source: attr("String", "aws.cloudwatch"),
      namespace: attr("String", "AWS/EC2"),
    },
    matches: true,
  },
  {
    doc: "OR operator, standard OR: source alone does not match",
    policy:
      '{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}',
    attributes: { source: attr("String", "aws.cloudwatch") },
    matches: false,
  },
  {
    doc: "OR operator, standard OR: metricName without source does not match",
    policy:
      '{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}',
    attributes: { metricName: attr("String", "CPUUtilization") },
    matches: false,
  },
  {
    doc: "OR operator, nested OR: source, metricType and metricId",
    policy: `{
      "source": ["aws.cloudwatch"],
      "$or": [
        {"metricName": ["CPUUtilization", "ReadLatency"]},
        {"metricType": ["MetricType"], "$or": [{"metricId": [1234, 4321]}, {"spaceId": [1000, 2000, 3000]}]}
      ]
    }`,
    attributes: {
      source: attr("String", "aws.cloudwatch"),
      metricType: attr("String", "MetricType"),
      metricId: attr("Number", "4321"),
    },
    matches: true,
  },
  {
    doc: "OR operator, nested OR: source, metricType and spaceId",
    policy: `{
      "source": ["aws.cloudwatch"],
      "$or": [
        {"metricName": ["CPUUtilization", "ReadLatency"]},
        {"metricType": ["MetricType"], "$or": [{"metricId": [1234, 4321]}, {"spaceId": [1000, 2000, 3000]}]}
      ]
    }`,
    attributes: {
      source: attr("String", "aws.cloudwatch"),
      metricType: attr("String", "MetricType"),
      spaceId: attr("Number", "2000"),
    },
    matches: true,
  },
  {
    doc: "OR operator, nested OR: metricId without metricType does not match",
    policy: `{
      "source": ["aws.cloudwatch"],
      "$or": [
        {"metricName": ["CPUUtilization", "ReadLatency"]},
        {"metricType": ["MetricType"], "$or": [{"metricId": [1234, 4321]}, {"spaceId": [1000, 2000, 3000]}]}
      ]
    }`,
    attributes: {
      source: attr("String", "aws.cloudwatch"),
      metricId: attr("Number", "1234"),
    },
    matches: false,
  },
  // String.Array
  {
    doc: "Example message: a String.Array matches when any element matches",
    policy: '{"customer_interests": ["rugby", "football", "baseball"]}',
    attributes: { customer_interests: attr("String.Array", '["soccer", "rugby", "hockey"]') },
    matches: true,
  },
  {
    doc: "Example message: a String.Array with no listed element does not match",
    policy: '{"customer_interests": ["basketball", "baseball"]}',
    attributes: { customer_interests: attr("String.Array", '["soccer", "rugby", "hockey"]') },
    matches: false,
  },
  {
    doc: "String.Array values may be true, false and null (SNS message attributes)",
    policy: '{"flags": [false, null]}',
    attributes: { flags: attr("String.Array", "[true, null]") },
    matches: true,
  },
  {
    doc: "String.Array: a Value that is not a JSON array has no values",
    policy: '{"customer_interests": ["rugby"]}',
    attributes: { customer_interests: attr("String.Array", "rugby") },
    matches: false,
  },
  {
    doc: "Filter policy syntax: null in the policy does not match a missing attribute (LocalStack AWS-recorded test_filter_policy)",
    policy: '{"attr1": [null, {"anything-but": "whatever"}]}',
    attributes: {},
    matches: false,
  },
];

describe("filter policy structure, MessageAttributes scope", () => {
  it.each(attributeRows)("$doc", ({ policy, attributes, matches }) => {
    const filter = parseFilterPolicy(policy, "MessageAttributes");
    expect(filter.matches({ attributes, body: "{}" })).toBe(matches);
  });
});

describe("filter policy defaults", () => {
  it("Filter policy scope: the default scope is MessageAttributes", () => {
    const filter = parseFilterPolicy('{"store": ["example_corp"]}');
    expect(filter.scope).toBe("MessageAttributes");
    expect(filter.matches({ attributes: exampleMessage, body: '{"store": "other"}' })).toBe(true);
    expect(filter.matches({ attributes: {}, body: '{"store": "example_corp"}' })).toBe(false);
  });

  it("an empty policy {} filters nothing (as LocalStack and moto emulate SNS)", () => {
    const filter = parseFilterPolicy("{}", "MessageBody");
    expect(filter.matches({ attributes: {}, body: "not json" })).toBe(true);
  });

  it("the returned policy is frozen", () => {
    const filter = parseFilterPolicy('{"store": ["example_corp"]}');
    expect(Object.isFrozen(filter)).toBe(true);
  });
});
