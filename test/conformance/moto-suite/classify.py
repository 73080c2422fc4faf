"""Classify each failing test of a run (results/tests.jsonl) and print the counts.

A test counts as (a) when offload deviates from AWS in what it checks, even if
it also carries a moto-only expectation (noted in its reason).

Classes:
  a  offload deviates from AWS
  b  moto-only expectation (AWS answers differently, or the test assumes moto's
     fixed account 123456789012 or an account holding nothing else)
  c  a feature offload does not offer (FIFO, SMS/HTTP/email/application
     endpoints, permissions, SNS tags, CloudFormation, IAM/STS, Lambda)
  u  unverified: only an error text differs and no AWS recording was found
     for either text
  x  does not reach the endpoint (tests of moto's own in-process server or
     helpers)

Usage: python3 classify.py results/tests.jsonl > results/classified.tsv
"""

import json
import re
import sys
from collections import Counter

ACCOUNT = "expects moto's fixed account 123456789012 in an ARN or URL (AWS: the caller's account; offload: 000000000000)"
REGIONS = "one region for every client (offload serves one region and refuses ARNs of others, see DIFFERENCES.md, Regions)"
EMPTY = "assumes an account with no other topic: the app topic offload-jobs is listed, and is Topics[0]"

MANUAL = {
    # SQS
    "test_create_fifo_queue_fail": ("c", "FIFO"),
    "test_create_fifo_queue_invalid_name": ("u", "empty QueueName: offload MissingParameter, moto InvalidParameterValue; no AWS recording for an empty name"),
    "test_create_queue_with_different_attributes_fail": ("b", "CreateQueue with FifoQueue='tru' on a standard name: AWS refuses any FifoQueue attribute on a standard queue, 'Unknown Attribute FifoQueue.' (LocalStack snapshot test_create_standard_queue_with_fifo_attribute_raises_error), as offload does; moto creates the queue"),
    "test_message_retention_period": ("b", "MessageRetentionPeriod=1: AWS allows 60..1,209,600 (API reference CreateQueue), offload refuses as AWS does"),
    "test_message_with_invalid_attributes": ("u", "invalid attribute name text: moto's and offload's texts both lack an AWS source (LocalStack: 'Message (user) attributes name can only contain upper and lower score characters, digits, periods, hyphens and underscores.')"),
    "test_message_with_attributes_invalid_datatype": ("b", "AWS text is 'The type of message (user) attribute ... is invalid. You must use only the following supported type prefixes: Binary, Number, String.' (Ballerina SQS connector tests against AWS); offload uses it, moto uses SNS's text"),
    "test_create_queues_in_multiple_region": ("c", REGIONS + "; a us-west-1 client lists us-west-2's queue; also " + ACCOUNT),
    "test_get_queue_with_prefix": ("b", ACCOUNT),
    "test_get_queue_attributes": ("b", ACCOUNT + "; and RedrivePolicy echoed with Python's json.dumps spacing, where AWS answers compact JSON (AWS CLI reference example, get-queue-attributes)"),
    "test_message_becomes_inflight_when_received": ("b", "creates the queue with attribute name 'VisibilityTimeout ' (trailing space): AWS refuses unknown attribute names (InvalidAttributeName, API reference CreateQueue)"),
    "test_receive_message_with_explicit_visibility_timeout": ("b", "attribute name 'VisibilityTimeout ' (trailing space), as above"),
    "test_change_message_visibility": ("b", "attribute name 'VisibilityTimeout ' (trailing space), as above"),
    "test_queue_length": ("b", "attribute name 'VisibilityTimeout ' (trailing space), as above"),
    "test_delete_batch_operation": ("b", "attribute name 'VisibilityTimeout ' (trailing space), as above"),
    "test_delete_message_after_visibility_timeout": ("b", "attribute name 'VisibilityTimeout ' (trailing space), as above"),
    "test_change_message_visibility_on_unknown_receipt_handle": ("b", "AWS text is 'The input receipt handle \"x\" is not a valid receipt handle.' (LocalStack aws.validated test_delete_message_with_illegal_receipt_handle; AWS SQS troubleshooting guide); moto says 'The input receipt handle is invalid.'"),
    "test_delete_message_errors": ("b", "receipt-handle text, as above"),
    "test_change_message_visibility_on_old_message": ("u", "ChangeMessageVisibility with the handle of an earlier receive: offload InvalidParameterValue ('... not available for visibility timeout change', AWS's text for a deleted message per LocalStack aws.validated), moto's comment says AWS allows it; no recording of this case"),
    "test_batch_change_message_visibility_on_old_message": ("u", "same as test_change_message_visibility_on_old_message, in a batch"),
    "test_delete_message_using_old_receipt_handle": ("b", "API reference DeleteMessage: with an earlier receive's handle 'the request succeeds, but the message will not be deleted'; offload does that, moto deletes"),
    "test_tag_queue_errors": ("u", "51 tags: 'Too many tags added for queue X.' (moto) vs offload's; no AWS recording"),
    "test_untag_queue_errors": ("u", "UntagQueue with TagKeys=[]: moto InvalidParameterValue 'Tag keys must be between 1 and 128 characters in length.' (AWS's text for an empty key in TagQueue, per the Ballerina tests), offload MissingParameter; no recording of an empty list"),
    "test_receive_message_using_name_should_return_name_as_url": ("b", "the bare queue name resolves; " + ACCOUNT),
    "test_message_delay_is_more_than_15_minutes": ("b", "sends MessageDeduplicationId in both entries to a standard queue: AWS fails each such entry, 'The request include parameter that is not valid for this queue type' (AWS's answer in aws/aws-sdk-js#4216), as offload does; moto accepts and echoes it"),
    "test_add_permission_errors": ("c", "permissions (AddPermission, RemovePermission)"),
    "test_remove_permission_errors": ("c", "permissions (AddPermission, RemovePermission)"),
    # SNS
    "test_publish_from_standard_sns_to_fifo_sqs": ("c", "FIFO"),
    "test_list_tags_for_resource_error": ("c", "SNS tags (TagResource, UntagResource, ListTagsForResource)"),
    "test_tag_resource_errors": ("c", "SNS tags (TagResource, UntagResource, ListTagsForResource)"),
    "test_untag_resource_error": ("c", "SNS tags (TagResource, UntagResource, ListTagsForResource)"),
    "test_publish_batch_to_sqs": ("b", "subscribes arn:aws:sqs:us-east-1:123456789012:test-queue; " + ACCOUNT),
    "test_publish_batch_to_sqs_raw": ("b", "subscribes a queue ARN of account 123456789012; " + ACCOUNT),
    "test_publish_with_upper_cased_message_attributes": ("b", "PublishBatch entry Id 'some id' (a space): AWS refuses it, 'The Id of a batch entry in the batch request contains an impermissible character' (LocalStack snapshot test_publish_batch_invalid_entry_id; API reference PublishBatchRequestEntry: alphanumerics, hyphens, underscores)"),
    "test_publish_to_sqs_bad": ("b", "subscribes a queue ARN of account 123456789012, refused as another account (" + ACCOUNT + "); then expects InvalidParameter for a missing StringValue, where AWS answers ParameterValueInvalid ('... must use field String', LocalStack snapshot)"),
    "test_publish_large_subject": ("b", "Subject over 100 characters: offload 'Invalid parameter: Subject', AWS's text for a bad Subject (LocalStack snapshot test_publish_with_empty_subject); moto's 'Subject must be less than 100 characters' has no AWS source"),
    "test_filtering_string_array_with_number_no_array_match": ("u", "String.Array attribute with a scalar value ('100'): offload refuses the publish, moto's comment says SNS delivers it; no AWS recording"),
    "test_filtering_string_array_with_string_no_array_no_match": ("u", "String.Array with a scalar value, as above"),
    "test_publish_with_message_structure_errors": ("b", "AWS text is 'Invalid parameter: Message Structure - JSON message body failed to parse' (LocalStack snapshot); moto says 'Message is not valid JSON.'"),
    "test_publish_to_sqs_dump_json": ("b", ACCOUNT),
    "test_publish_to_sqs_in_different_region": ("c", REGIONS + "; subscribes a us-west-2 queue from a us-west-1 topic, refused with a clear InvalidParameter; also " + ACCOUNT),
    "test_publish_null_subject": ("b", ACCOUNT),
    "test_delete_subscriptions_on_delete_topic": ("b", "subscribes a queue ARN of account 123456789012, refused as another account; " + ACCOUNT + "; " + EMPTY),
    "test_create_and_delete_topic": ("b", EMPTY),
    "test_create_topic_with_attributes": ("b", EMPTY),
    "test_create_topic_in_multiple_regions": ("c", REGIONS + "; topics of other regions listed; also " + EMPTY),
    "test_topic_corresponds_to_region": ("c", REGIONS + "; ARNs carry us-east-1 for every region; also " + ACCOUNT + "; " + EMPTY),
    "test_topic_attributes": ("b", EMPTY),
    "test_topic_paging": ("b", "parses NextToken as an integer; AWS's NextToken is opaque (API reference ListTopics)"),
    "test_publish_subject": ("b", "subscribes arn:aws:sqs:us-east-1:123456789012:test-queue, refused as another account; " + ACCOUNT),
}

ACTION_FEATURE = {
    "AddPermission": "permissions (AddPermission, RemovePermission)",
    "RemovePermission": "permissions (AddPermission, RemovePermission)",
    "TagResource": "SNS tags (TagResource, UntagResource, ListTagsForResource)",
    "UntagResource": "SNS tags (TagResource, UntagResource, ListTagsForResource)",
    "ListTagsForResource": "SNS tags (TagResource, UntagResource, ListTagsForResource)",
    "CheckIfPhoneNumberIsOptedOut": "SMS",
    "ListPhoneNumbersOptedOut": "SMS",
    "ConfirmSubscription": "non-SQS subscription protocols (sms, http, email)",
    "ListDiscoveredResources": "AWS Config",
    "AssumeRole": "STS AssumeRole / other accounts",
}

UNSUPPORTED_FILES = {
    "test_application.py": "SNS platform applications (mobile push)",
    "test_sns_cloudformation.py": "CloudFormation",
    "test_sqs_cloudformation.py": "CloudFormation",
    "test_sqs_multiaccount.py": "STS AssumeRole / other accounts",
    "test_sqs_authentication.py": "IAM authorisation",
    "test_http_message_verification.py": "HTTP endpoints",
    "test_sqs_integration.py": "Lambda",
}
MOTO_INTERNAL = {"test_server.py", "test_utils.py"}


def classify(r):
    test = r["test"]
    path, _, name = test.partition("::")
    filename = path.rsplit("/", 1)[-1]
    base = re.sub(r"\[.*\]$", "", name.split("::")[-1])
    msg = r["message"]
    if filename in MOTO_INTERNAL:
        return "x", "runs moto's in-process server or helpers, not the endpoint"
    if filename in UNSUPPORTED_FILES:
        return "c", UNSUPPORTED_FILES[filename]
    if "FIFO queues are not supported" in msg or "FIFO topics" in msg:
        return "c", "FIFO"
    if base in MANUAL:
        return MANUAL[base]
    if "delivers to SQS queues only" in msg:
        return "c", "non-SQS subscription protocols (sms, http, email)"
    m = re.search(r"InvalidAction\).*?Got \"([^\"]+)\"", msg) or re.search(r"when calling the (\w+) operation: The action", msg)
    if m:
        action = m.group(1).split(".")[-1]
        return "c", ACTION_FEATURE.get(action, f"action {action}")
    if "Invalid parameter: TopicArn" in msg and "sms" in base:
        return "c", "SMS"
    return "?", "unclassified"


def main():
    rows = [json.loads(line) for line in open(sys.argv[1])]
    counts = Counter()
    for r in rows:
        if r["outcome"] == "passed":
            path = r["test"].split("::")[0].rsplit("/", 1)[-1]
            cls = "x" if path in MOTO_INTERNAL else ("pc" if path in UNSUPPORTED_FILES else "p")
            counts[cls] += 1
            continue
        if r["outcome"] == "skipped":
            counts["s"] += 1
            continue
        cls, reason = classify(r)
        counts[cls] += 1
        verified = "aws_verified" if "aws_verified" in r["markers"] else ""
        print(f"{cls}\t{r['test']}\t{verified}\t{reason}")
    print(json.dumps(counts, sort_keys=True), file=sys.stderr)


main()
