/**
 * Payload-based filtering (FilterPolicyScope MessageBody): nested policies, arrays in the body,
 * `exists` and `$or` on body properties. Rows name the SNS Developer Guide page and example
 * they come from, or LocalStack's tests recorded against real AWS
 * (tests/aws/services/sns/test_sns_filter_policy.py), or Event Ruler where the docs are silent.
 */
import { describe, expect, it } from "vitest";
import type { SnsMessageAttribute } from "../../src/engine/sns/filter-policy.js";
import { parseFilterPolicy } from "../../src/engine/sns/filter-policy.js";

/** Attributes that a MessageBody policy must not look at. */
const attributes: Record<string, SnsMessageAttribute> = {
  store: { DataType: "String", StringValue: "example_corp" },
};

interface BodyRow {
  doc: string;
  policy: string;
  body: string;
  matches: boolean;
}

/** The S3 event used by the payload-based filtering example. */
const s3Event = JSON.stringify({
  Records: [
    {
      eventSource: "aws:s3",
      eventName: "ObjectCreated:Put",
      s3: { object: { key: "auto-insurance-2314.xml", size: 17 } },
    },
  ],
});

const bodyRows: BodyRow[] = [
  {
    doc: "Payload-based filtering: nested policy matches the nested S3 event",
    policy:
      '{"Records": {"s3": {"object": {"key": [{"prefix": "auto-"}]}}, "eventName": [{"prefix": "ObjectCreated:"}]}}',
    body: s3Event,
    matches: true,
  },
  {
    doc: "Payload-based filtering: nested key with another prefix does not match",
    policy: '{"Records": {"s3": {"object": {"key": [{"prefix": "home-"}]}}}}',
    body: s3Event,
    matches: false,
  },
  {
    doc: "Payload-based filtering: body arrays match when any element matches (LocalStack AWS-recorded route-to)",
    policy: '{"headers": {"route-to": ["queue1"]}}',
    body: '{"headers": {"route-to": ["queue1", "queue2"]}}',
    matches: true,
  },
  {
    doc: "Payload-based filtering: route-to queue2 only does not match queue1",
    policy: '{"headers": {"route-to": ["queue1"]}}',
    body: '{"headers": {"route-to": ["queue2"]}}',
    matches: false,
  },
  {
    doc: "Payload-based filtering: keys of one branch must match inside the same array element",
    policy: '{"Records": {"eventName": ["ObjectCreated:Put"], "s3": {"object": {"key": ["b"]}}}}',
    body: '{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": "a"}}}, {"eventName": "ObjectRemoved:Delete", "s3": {"object": {"key": "b"}}}]}',
    matches: false,
  },
  {
    doc: "Payload-based filtering: the same keys matched inside one array element",
    policy:
      '{"Records": {"eventName": ["ObjectRemoved:Delete"], "s3": {"object": {"key": ["b"]}}}}',
    body: '{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": "a"}}}, {"eventName": "ObjectRemoved:Delete", "s3": {"object": {"key": "b"}}}]}',
    matches: true,
  },
  {
    doc: 'Payload-based filtering: dotted policy key "object.nested" matches a nested body (LocalStack AWS-recorded)',
    policy: '{"object.nested": ["string.value"]}',
    body: '{"object": {"nested": "string.value"}}',
    matches: true,
  },
  {
    doc: 'Payload-based filtering: nested policy matches a dotted body key "object.nested" (LocalStack AWS-recorded)',
    policy: '{"object": {"nested": ["string.value"]}}',
    body: '{"object.nested": "string.value"}',
    matches: true,
  },
  {
    doc: "Payload-based filtering: a body that is not JSON matches nothing",
    policy: '{"customer_interests": ["rugby"]}',
    body: "rugby",
    matches: false,
  },
  {
    doc: "Payload-based filtering: a JSON array body matches nothing",
    policy: '{"customer_interests": [{"exists": false}]}',
    body: '[{"customer_interests": "rugby"}]',
    matches: false,
  },
  {
    doc: "Payload-based filtering: only the body is read, not the attributes",
    policy: '{"store": ["example_corp"]}',
    body: '{"event": "order_placed"}',
    matches: false,
  },
  {
    doc: 'Key matching (body): "exists": true with store present',
    policy: '{"store": [{"exists": true}]}',
    body: '{"store": "fans", "customer_interests": ["baseball", "basketball"]}',
    matches: true,
  },
  {
    doc: 'Key matching (body): "exists": true without store',
    policy: '{"store": [{"exists": true}]}',
    body: '{"customer_interests": ["baseball", "basketball"]}',
    matches: false,
  },
  {
    doc: 'Key matching (body): "exists": false with store present',
    policy: '{"store": [{"exists": false}]}',
    body: '{"store": "fans", "customer_interests": ["baseball", "basketball"]}',
    matches: false,
  },
  {
    doc: 'Key matching (body): "exists": false without store',
    policy: '{"store": [{"exists": false}]}',
    body: '{"customer_interests": ["baseball", "basketball"]}',
    matches: true,
  },
  {
    doc: "OR operator (body), standard OR: source and namespace",
    policy:
      '{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}',
    body: '{"source": "aws.cloudwatch", "namespace": "AWS/EC2"}',
    matches: true,
  },
  {
    doc: "OR operator (body), standard OR: neither metricName nor namespace",
    policy:
      '{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}',
    body: '{"source": "aws.cloudwatch", "metricName": "ReadLatency"}',
    matches: false,
  },
  {
    doc: "OR operator (body): $or inside a nested key (LocalStack AWS-recorded detail.$or)",
    policy:
      '{"metricName": ["CPUUtilization"], "detail": {"scope": ["Service"], "$or": [{"source": ["aws.cloudwatch"]}, {"type": ["CloudWatch Alarm State Change"]}]}}',
    body: '{"metricName": "CPUUtilization", "detail": {"scope": "Service", "type": "CloudWatch Alarm State Change"}}',
    matches: true,
  },
  {
    doc: "OR operator (body): $or inside a nested key, no alternative present",
    policy:
      '{"metricName": ["CPUUtilization"], "detail": {"scope": ["Service"], "$or": [{"source": ["aws.cloudwatch"]}, {"type": ["CloudWatch Alarm State Change"]}]}}',
    body: '{"metricName": "CPUUtilization", "detail": {"scope": "Service"}}',
    matches: false,
  },
  {
    doc: 'OR operator: "$or" with fewer than 2 objects is an ordinary key',
    policy: '{"$or": ["x"]}',
    body: '{"$or": "x"}',
    matches: true,
  },
  {
    doc: "Filter policy syntax: true in the policy matches a JSON true",
    policy: '{"encrypted": [true]}',
    body: '{"encrypted": true}',
    matches: true,
  },
  {
    doc: 'Filter policy syntax: true in the policy does not match the string "true"',
    policy: '{"encrypted": [true]}',
    body: '{"encrypted": "true"}',
    matches: false,
  },
];

describe("filter policy structure, MessageBody scope", () => {
  it.each(bodyRows)("$doc", ({ policy, body, matches }) => {
    const filter = parseFilterPolicy(policy, "MessageBody");
    expect(filter.matches({ attributes, body })).toBe(matches);
  });
});
