/**
 * Filter-policy constraints from "Filter policy constraints in Amazon SNS" (keys, combinations,
 * size, numeric range) and the remaining InvalidParameter errors, whose wording comes from AWS's
 * Event Ruler (SNS returns Event Ruler's messages, as LocalStack's AWS recordings show).
 */
import { describe, expect, it } from "vitest";
import type { FilterPolicyScope } from "../../src/engine/sns/filter-policy.js";
import { parseFilterPolicy } from "../../src/engine/sns/filter-policy.js";
import { type ErrorRow, expectRefused, P, values } from "./filter-policy-errors.js";

const errorRows: ErrorRow[] = [
  // Filter policy constraints (SNS Developer Guide)
  {
    doc: "Filter policy constraints: keys are counted with nested keys (the 'finding' example has 6)",
    scope: "MessageBody",
    policy: `{
      "state": ["SUCCESS"],
      "severity": [{"exists": true}],
      "message": [{"exists": true}],
      "finding": {
        "standard_control": [{"exists": true}],
        "region": [{"exists": true}],
        "account": [{"exists": true}]
      }
    }`,
    message: `${P}Filter policy can not have more than 5 keys`,
  },
  {
    doc: "Filter policy constraints: the maximum size of a filter policy is 256 KB",
    policy: JSON.stringify({ key: ["a".repeat(256 * 1024)] }),
    message: `${P}Filter policy is 262156 bytes, larger than the maximum of 262144 bytes (256 KB)`,
  },
  {
    doc: "Filter policy constraints: a numeric value is at most 10^9",
    policy: '{"price_usd":[{"numeric":[">",1000000001]}]}',
    message: `${P}Value must be between -1.0E9 and 1.0E9, inclusive`,
  },
  {
    doc: "Filter policy constraints: a numeric value is at least -10^9 (range bottom)",
    policy: '{"price_usd":[{"numeric":[">=",-2000000000,"<",0]}]}',
    message: `${P}Value must be between -1.0E9 and 1.0E9, inclusive`,
  },
  {
    doc: "Filter policy constraints: anything-but numbers are limited to 10^9 too",
    policy: '{"price":[{"anything-but":[100, 5000000000]}]}',
    message: `${P}Value must be between -1.0E9 and 1.0E9, inclusive`,
  },
  {
    doc: "Filter policy constraints: the policy must be valid JSON",
    policy: '{"store": ["example_corp"',
    message: `${P}failed to parse JSON: the filter policy must be a JSON object`,
  },
  {
    doc: "Filter policy syntax: the policy is a JSON object (Event Ruler wording)",
    policy: '["example_corp"]',
    message: `${P}Filter is not an object`,
  },
  {
    doc: "Filter policy syntax: a key's value is an array",
    policy: '{"store": "example_corp"}',
    message: `${P}"store" must be an object or an array`,
  },
  {
    doc: "Filter policy syntax: a number is not an array either",
    policy: '{"price_usd": 5}',
    message: `${P}"price_usd" must be an object or an array`,
  },
  // Event Ruler checks SNS reports with the same wording
  {
    doc: "Event Ruler: empty value arrays are not allowed",
    policy: '{"store": []}',
    message: `${P}Empty arrays are not allowed`,
  },
  {
    doc: "Event Ruler: empty nested objects are not allowed",
    scope: "MessageBody",
    policy: '{"detail": {}}',
    message: `${P}Empty objects are not allowed`,
  },
  {
    doc: "Event Ruler: an empty match expression",
    policy: '{"store": [{}]}',
    message: `${P}Match expression name not found`,
  },
  {
    doc: "Event Ruler: numeric needs an array",
    policy: '{"price_usd": [{"numeric": 5}]}',
    message: `${P}Value of numeric must be an array.`,
  },
  {
    doc: 'Event Ruler: ["=", 5, 6] has too many elements',
    policy: '{"price_usd": [{"numeric": ["=", 5, 6]}]}',
    message: `${P}Too many elements in numeric expression`,
  },
  {
    doc: 'Event Ruler: [">", 5, "<=", 5] is an empty range',
    policy: '{"price_usd": [{"numeric": [">", 5, "<=", 5]}]}',
    message: `${P}Bottom must be less than top`,
  },
  {
    doc: "Event Ruler: a second key after numeric",
    policy: '{"price_usd": [{"numeric": [">", 5], "prefix": "a"}]}',
    message: `${P}Too many elements in numeric expression`,
  },
  {
    doc: "Event Ruler: a second key after exists",
    policy: '{"store": [{"exists": true, "prefix": "a"}]}',
    message: `${P}Only one key allowed in match expression`,
  },
  {
    doc: "Event Ruler: prefix must be a string",
    policy: '{"store": [{"prefix": 5}]}',
    message: `${P}prefix match pattern must be a string`,
  },
  {
    doc: "Event Ruler: equals-ignore-case must be a string",
    policy: '{"store": [{"equals-ignore-case": ["a"]}]}',
    message: `${P}equals-ignore-case match pattern must be a string`,
  },
  {
    doc: "Event Ruler: anything-but true",
    policy: '{"store": [{"anything-but": true}]}',
    message: `${P}Value of anything-but must be an array or single string/number value.`,
  },
  {
    doc: "Event Ruler: anything-but list mixing numbers and strings",
    policy: '{"store": [{"anything-but": [100, "rugby"]}]}',
    message: `${P}Inside anything but list, either all values are number or string, mixed type is not supported`,
  },
  {
    doc: "Event Ruler: anything-but empty list",
    policy: '{"store": [{"anything-but": []}]}',
    message: `${P}Inside anything but list, either all values are number or string, mixed type is not supported`,
  },
  {
    doc: "Event Ruler: anything-but list with null",
    policy: '{"store": [{"anything-but": ["rugby", null]}]}',
    message: `${P}Inside anything but list, start|null|boolean is not supported.`,
  },
  {
    doc: "Event Ruler: anything-but with an empty prefix",
    policy: '{"event": [{"anything-but": {"prefix": ""}}]}',
    message: `${P}Null prefix/suffix not allowed`,
  },
  {
    doc: "Event Ruler: anything-but suffix must be a string",
    policy: '{"event": [{"anything-but": {"suffix": 5}}]}',
    message: `${P}suffix match pattern must be a string`,
  },
  {
    doc: "Event Ruler: anything-but {} names no operator",
    policy: '{"event": [{"anything-but": {}}]}',
    message: `${P}Anything-But expression name not found`,
  },
  {
    doc: "Event Ruler: anything-but equals-ignore-case is not an SNS anything-but pattern",
    policy: '{"event": [{"anything-but": {"equals-ignore-case": "x"}}]}',
    message: `${P}Unsupported anything-but pattern: equals-ignore-case`,
  },
  {
    doc: "Event Ruler: a non-string CIDR gets the prefix wording",
    policy: '{"source_ip": [{"cidr": 10}]}',
    message: `${P}prefix match pattern must be a string`,
  },
  {
    doc: "Event Ruler: a CIDR without a mask",
    policy: '{"source_ip": [{"cidr": "10.0.0.0"}]}',
    message: `${P}Malformed CIDR, one '/' required`,
  },
  {
    doc: "Event Ruler: a CIDR mask that is not an integer",
    policy: '{"source_ip": [{"cidr": "10.0.0.0/x"}]}',
    message: `${P}Malformed CIDR, mask bits must be an integer`,
  },
  {
    doc: "Event Ruler: a negative CIDR mask",
    policy: '{"source_ip": [{"cidr": "10.0.0.0/-1"}]}',
    message: `${P}Malformed CIDR, mask bits must not be negative`,
  },
  {
    doc: "Event Ruler: a CIDR address that is not an IP",
    policy: '{"source_ip": [{"cidr": "10.0.0.300/24"}]}',
    message: `${P}Nonstandard IP address: 10.0.0.300`,
  },
  {
    doc: "Event Ruler: IPv4 mask bits must be < 32",
    policy: '{"source_ip": [{"cidr": "10.0.0.0/32"}]}',
    message: `${P}IPv4 mask bits must be < 32`,
  },
  {
    doc: "Event Ruler: IPv6 mask bits must be < 128",
    policy: '{"source_ip": [{"cidr": "2001:db8::/128"}]}',
    message: `${P}IPv6 mask bits must be < 128`,
  },
  {
    doc: 'AND/OR logic: {"$or": [{"numeric": 123}, {"prefix": "abc"}]} is not an OR; its objects are match expressions',
    policy: '{"$or": [{"numeric": 123}, {"prefix": "abc"}]}',
    message: `${P}Value of numeric must be an array.`,
  },
  {
    doc: "AND/OR logic: $or with a single object is an ordinary key, so the object is a match expression",
    policy: '{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}]}',
    message: `${P}Unrecognized match type metricName`,
  },
  {
    doc: "AND/OR logic: $or alternatives in MessageAttributes scope are flat too",
    policy: '{"$or": [{"a": ["x"]}, {"b": {"c": ["y"]}}]}',
    message:
      "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy",
  },
];

describe("filter policy constraint and Event Ruler errors", () => {
  it.each(errorRows)("$doc", expectRefused);
});

interface ValidRow {
  doc: string;
  policy: string;
  scope: FilterPolicyScope;
}

const validRows: ValidRow[] = [
  {
    doc: "Filter policy constraints: 3 x 1 x 2 = 6 combinations",
    scope: "MessageAttributes",
    policy:
      '{"key_a": ["value_one", "value_two", "value_three"], "key_b": ["value_one"], "key_c": ["value_one", "value_two"]}',
  },
  {
    doc: "Filter policy constraints: nested 3 x 4 x 2 x 3 = 72 combinations",
    scope: "MessageBody",
    policy:
      '{"key_a": {"key_b": {"key_c": ["value_one", "value_two", "value_three", "value_four"]}}, "key_d": {"key_e": ["value_one", "value_two", "value_three"]}}',
  },
  {
    doc: "Filter policy constraints: only key_d and key_f are counted keys",
    scope: "MessageBody",
    policy:
      '{"key_a": {"key_b": {"key_c": {"key_d": ["value_one", "value_two", "value_three", "value_four"]}}, "key_e": {"key_f": ["value_one", "value_two", "value_three"]}}}',
  },
  {
    doc: "Filter policy constraints: five keys are allowed",
    scope: "MessageAttributes",
    policy: '{"a": ["1"], "b": ["2"], "c": ["3"], "d": ["4"], "e": ["5"]}',
  },
  {
    doc: "Filter policy constraints: 150 values in one key are allowed",
    scope: "MessageAttributes",
    policy: JSON.stringify({ key: values(150) }),
  },
  {
    doc: "AWS-recorded test_policy_complexity_with_or: (3*6) + (3*4*4) + (3*4*7) = 150 is accepted",
    scope: "MessageAttributes",
    policy: JSON.stringify({
      source: ["aws.cloudwatch", "aws.events", "aws.test"],
      $or: [
        {
          metricName: [
            "CPUUtilization",
            "ReadLatency",
            "TestVal",
            "TestVal2",
            "TestVal3",
            "TestVal4",
          ],
        },
        {
          metricType: ["MetricType", "TestType", "TestType2", "TestType3"],
          $or: [{ metricId: [1234, 4321, 5678, 9012] }, { spaceId: [1, 2, 3, 4, 5, 6, 7] }],
        },
      ],
    }),
  },
  {
    doc: "AWS-recorded test_validate_policy_nested_anything_but_operator: positive forms",
    scope: "MessageAttributes",
    policy:
      '{"a": [{"anything-but": {"prefix": "test-"}}], "b": [{"anything-but": ["test", "test2"]}], "c": [{"anything-but": "test"}]}',
  },
  {
    doc: "Filter policy constraints: numeric values of exactly ±10^9 are allowed",
    scope: "MessageAttributes",
    policy: '{"price_usd": [{"numeric": [">=", -1000000000, "<=", 1000000000]}]}',
  },
  {
    doc: "Filter policy constraints: a policy of exactly 256 KB is allowed",
    scope: "MessageAttributes",
    policy: JSON.stringify({ key: ["a".repeat(256 * 1024 - 12)] }),
  },
];

describe("filter policies within the constraints", () => {
  it.each(validRows)("$doc", ({ policy, scope }) => {
    const filter = parseFilterPolicy(policy, scope);
    expect(filter.scope).toBe(scope);
    // Parsed, and it still filters: a message with no attributes or an empty body matches none.
    expect(filter.matches({ attributes: {}, body: "{}" })).toBe(false);
  });
});
