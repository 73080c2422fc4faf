/**
 * Filter-policy validation: every InvalidParameter error, with AWS's message. Rows marked
 * "AWS-recorded" reproduce LocalStack's snapshot of real AWS answers
 * (tests/aws/services/sns/test_sns_filter_policy.snapshot.json, SetSubscriptionAttributes form,
 * without Jackson's "at [Source: ...]" suffix); the others come from the SNS Developer Guide's
 * "Filter policy constraints in Amazon SNS" or from AWS's Event Ruler, whose messages SNS uses.
 */
import { describe, it } from "vitest";
import { type ErrorRow, expectRefused, P, values } from "./filter-policy-errors.js";

const errorRows: ErrorRow[] = [
  // AWS-recorded: test_validate_policy
  {
    doc: "AWS-recorded error-condition-list: a nested array as a value",
    policy: '{"key":[["value"]]}',
    message: `${P}Match value must be String, number, true, false, or null`,
  },
  {
    doc: "AWS-recorded error-condition-operator: unknown operator",
    policy: '{"key":[{"wrong-operator":true}]}',
    message: `${P}Unrecognized match type wrong-operator`,
  },
  {
    doc: "AWS-recorded error-condition-two-operators",
    policy: '{"key":[{"suffix":"value","prefix":"value2"}]}',
    message: `${P}Only one key allowed in match expression`,
  },
  // AWS-recorded: test_validate_policy_string_operators
  {
    doc: "AWS-recorded error-condition-is-numeric: suffix 100",
    policy: '{"key":[{"suffix":100}]}',
    message: `${P}suffix match pattern must be a string`,
  },
  {
    doc: "AWS-recorded error-condition-is-none: suffix null",
    policy: '{"key":[{"suffix":null}]}',
    message: `${P}suffix match pattern must be a string`,
  },
  {
    doc: "AWS-recorded error-condition-is-not-list-and-operator",
    policy: '{"key":{"suffix":"value"}}',
    message: `${P}"suffix" must be an object or an array`,
  },
  {
    doc: "AWS-recorded error-condition-empty-list: suffix []",
    policy: '{"key":[{"suffix":[]}]}',
    message: `${P}suffix match pattern must be a string`,
  },
  {
    doc: "AWS-recorded error-condition-list-wrong-type: suffix list",
    policy: '{"key":[{"suffix":["test","test2"]}]}',
    message: `${P}suffix match pattern must be a string`,
  },
  {
    doc: "AWS-recorded error-condition-is-not-list-two-ops",
    policy: '{"key":{"suffix":"value","prefix":"value"}}',
    message: `${P}"suffix" must be an object or an array`,
  },
  {
    doc: "AWS-recorded error-condition-is-not-list-and-no-operator",
    policy: '{"key":{"not-an-operator":"value"}}',
    message: `${P}"not-an-operator" must be an object or an array`,
  },
  // AWS-recorded: test_validate_policy_numeric_operator
  {
    doc: "AWS-recorded error-numeric-empty",
    policy: '{"key":[{"numeric":[]}]}',
    message: `${P}Invalid member in numeric match: ]`,
  },
  {
    doc: "AWS-recorded error-numeric-wrong-operator",
    policy: '{"key":[{"numeric":["operator"]}]}',
    message: `${P}Unrecognized numeric range operator: operator`,
  },
  {
    doc: "AWS-recorded error-numeric-operator-order",
    policy: '{"key":[{"numeric":[1,"<="]}]}',
    message: `${P}Invalid member in numeric match: 1`,
  },
  {
    doc: "AWS-recorded error-numeric-type",
    policy: '{"key":[{"numeric":["=","000"]}]}',
    message: `${P}Value of equals must be numeric`,
  },
  {
    doc: "AWS-recorded error-numeric-missing-value",
    policy: '{"key":[{"numeric":[">="]}]}',
    message: `${P}Value of >= must be numeric`,
  },
  {
    doc: "AWS-recorded error-numeric-wrong-range-order",
    policy: '{"key":[{"numeric":["<",100,">",10]}]}',
    message: `${P}Too many elements in numeric expression`,
  },
  {
    doc: "AWS-recorded error-numeric-wrong-range-operators",
    policy: '{"key":[{"numeric":[">=",1,">",2]}]}',
    message: `${P}Bad numeric range operator: >`,
  },
  {
    doc: "AWS-recorded error-numeric-wrong-value-order",
    policy: '{"key":[{"numeric":[">",3,"<",1]}]}',
    message: `${P}Bottom must be less than top`,
  },
  {
    doc: "AWS-recorded error-numeric-missing-range-value",
    policy: '{"key":[{"numeric":[">",20,"<="]}]}',
    message: `${P}Value of <= must be numeric`,
  },
  {
    doc: "AWS-recorded error-numeric-missing-range-operator",
    policy: '{"key":[{"numeric":[">",20,30]}]}',
    message: `${P}Bad value in numeric range: 30`,
  },
  {
    doc: "AWS-recorded error-numeric-wrong-second-range-operator",
    policy: '{"key":[{"numeric":[">",20,"test"]}]}',
    message: `${P}Bad numeric range operator: test`,
  },
  {
    doc: "AWS-recorded error-numeric-wrong-range-value-1-type",
    policy: '{"key":[{"numeric":[">","20","<","30"]}]}',
    message: `${P}Value of > must be numeric`,
  },
  {
    doc: "AWS-recorded error-numeric-wrong-range-value-2-type",
    policy: '{"key":[{"numeric":[">",20,"<","30"]}]}',
    message: `${P}Value of < must be numeric`,
  },
  {
    doc: "AWS-recorded error-numeric-too-many-range",
    policy: '{"key":[{"numeric":[">",20,"<",30,"<",50]}]}',
    message: `${P}Too many terms in numeric range expression`,
  },
  // AWS-recorded: test_validate_policy_exists_operator
  {
    doc: "AWS-recorded error-condition-none: exists null",
    policy: '{"key":[{"exists":null}]}',
    message: `${P}exists match pattern must be either true or false.`,
  },
  {
    doc: 'AWS-recorded error-condition-string: exists "no"',
    policy: '{"key":[{"exists":"no"}]}',
    message: `${P}exists match pattern must be either true or false.`,
  },
  // AWS-recorded: test_validate_policy_nested_anything_but_operator
  {
    doc: "AWS-recorded error-condition-wrong-operator: anything-but with an unknown operator",
    policy: '{"key":[{"anything-but":{"wrong-operator":null}}]}',
    message: `${P}Unsupported anything-but pattern: wrong-operator`,
  },
  {
    doc: "AWS-recorded error-condition-anything-but-exists",
    policy: '{"key":[{"anything-but":{"exists":false}}]}',
    message: `${P}Unsupported anything-but pattern: exists`,
  },
  {
    doc: "AWS-recorded error-condition-anything-but-prefix-wrong-type",
    policy: '{"key":[{"anything-but":{"prefix":false}}]}',
    message: `${P}prefix match pattern must be a string`,
  },
  // AWS-recorded: test_policy_complexity and test_policy_complexity_with_or
  {
    doc: "AWS-recorded error-complexity-in-one-condition: 151 values",
    policy: JSON.stringify({ key: values(151) }),
    message: `${P}Filter policy is too complex`,
  },
  {
    doc: "AWS-recorded error-complexity-in-two-conditions: 100 x 51 values",
    policy: JSON.stringify({ key1: values(100), key2: values(51) }),
    message: `${P}Filter policy is too complex`,
  },
  {
    doc: "AWS-recorded error-complexity-too-many-fields: 6 keys",
    policy: JSON.stringify({
      key1: ["value1"],
      key2: ["value2"],
      key3: ["value3"],
      key4: ["value4"],
      key5: ["value5"],
      key6: ["value6"],
    }),
    message: `${P}Filter policy can not have more than 5 keys`,
  },
  {
    doc: "AWS-recorded error-complexity-or-flat: (4*6) + (4*4*4) + (4*4*4) = 152",
    policy: JSON.stringify({
      source: ["aws.cloudwatch", "aws.events", "aws.test", "aws.test2"],
      $or: [
        { metricName: ["CPUUtilization", "ReadLatency", "t1", "t2", "t3", "t4"] },
        {
          metricType: ["MetricType", "TestType", "TestType2", "TestType3"],
          $or: [{ metricId: [1234, 4321, 5678, 9012] }, { spaceId: [1, 2, 3, 4] }],
        },
      ],
    }),
    message: `${P}Filter policy is too complex`,
  },
  {
    doc: "AWS-recorded error-complexity-or-nested: nested keys count their depth, 160",
    scope: "MessageBody",
    policy: JSON.stringify({
      $or: [
        { metricName: ["CPUUtilization", "ReadLatency", "TestValue"] },
        { namespace: ["AWS/EC2", "AWS/ES"] },
      ],
      detail: {
        scope: ["Service", "Test"],
        $or: [
          { source: ["aws.cloudwatch"] },
          { type: ["CloudWatch Alarm State Change", "TestValue", "TestValue2"] },
        ],
      },
    }),
    message: `${P}Filter policy is too complex`,
  },
  // AWS-recorded: test_sub_filter_policy_nested_property(_constraints)
  {
    doc: "AWS-recorded sub-filter-policy-nested-error: nesting needs the MessageBody scope",
    policy: '{"object": {"key": [{"prefix": "auto-"}]}}',
    message:
      "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy",
  },
  {
    doc: "AWS-recorded sub-filter-policy-rule-no-list: a key with a plain string",
    scope: "MessageBody",
    policy: '{"key_a":"value_one"}',
    message: `${P}"key_a" must be an object or an array`,
  },
];

describe("filter policy validation errors", () => {
  it.each(errorRows)("$doc", expectRefused);
});
