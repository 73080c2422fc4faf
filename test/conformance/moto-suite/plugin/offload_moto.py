"""pytest plugin: run moto's own SQS/SNS tests in server mode against offload.

moto's server mode (TEST_SERVER_MODE=true) points every boto3 client at
TEST_SERVER_MODE_ENDPOINT and expects a moto server behind it. offload is not
one, so this plugin supplies the two moto-server services the tests lean on,
without changing what any test checks:

* reset: moto POSTs /moto-api/reset at the start and end of every mock_aws
  context to wipe all state. offload has no such route (404), so the reset is
  replaced by deleting, through the public SQS/SNS APIs, every subscription,
  topic and queue the endpoint lists in each region the tests use.
* STS GetCallerIdentity: the `account_id` fixture of moto's conftest asks STS,
  which offload does not serve. The call is answered here, before it is sent,
  with the account offload puts in its ARNs and URLs (OFFLOAD_ACCOUNT_ID,
  000000000000 by default).

The plugin starts `offload start` itself (an app with no jobs, on a fresh
database) and starts it afresh when a reset cannot remove what a test left:
the app's topic `offload-jobs` always exists and its subscriptions cannot be
removed over the API, and moto tests that take `list_topics()["Topics"][0]`
subscribe their queues to it.

It also writes one JSON line per test (node id, outcome, markers such as
aws_verified, the first lines of the failure) to $OFFLOAD_MOTO_RESULTS.
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

import botocore.handlers
import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.config import Config

ENDPOINT = os.environ["TEST_SERVER_MODE_ENDPOINT"]
ACCOUNT_ID = os.environ.get("OFFLOAD_ACCOUNT_ID", "000000000000")
REGIONS = os.environ.get(
    "OFFLOAD_MOTO_REGIONS",
    "us-east-1,us-west-1,us-west-2,eu-west-1,eu-west-2,eu-west-3,eu-north-1,ap-northeast-3",
).split(",")
RESULTS = os.environ.get("OFFLOAD_MOTO_RESULTS")


class _RawBody:
    def __init__(self, data: bytes):
        self._data = data

    def stream(self, **_kwargs):
        yield self._data

    def read(self, *_args):
        data, self._data = self._data, b""
        return data


def _answer_sts(request, **_kwargs):
    """before-send handler: answer STS GetCallerIdentity locally."""
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    if b"GetCallerIdentity" not in body:
        return None
    body = (
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        "<GetCallerIdentityResult>"
        f"<Arn>arn:aws:iam::{ACCOUNT_ID}:user/moto</Arn>"
        "<UserId>AKIAIOSFODNN7EXAMPLE</UserId>"
        f"<Account>{ACCOUNT_ID}</Account>"
        "</GetCallerIdentityResult>"
        "<ResponseMetadata><RequestId>0</RequestId></ResponseMetadata>"
        "</GetCallerIdentityResponse>"
    ).encode()
    return AWSResponse(request.url, 200, {"Content-Type": "text/xml"}, _RawBody(body))


botocore.handlers.BUILTIN_HANDLERS.append(("before-send.sts", _answer_sts))

_session = botocore.session.get_session()
_config = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30)


def _client(service, region):
    return _session.create_client(
        service,
        region_name=region,
        endpoint_url=ENDPOINT,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=_config,
    )


_clients = {}


def _debug(text):
    if os.environ.get("OFFLOAD_MOTO_DEBUG"):
        import sys

        print(f"[offload_moto] {text}", file=sys.stderr)


def _clean_offload():
    """Delete every subscription, topic and queue the endpoint lists."""
    for region in REGIONS:
        if region not in _clients:
            _clients[region] = (_client("sqs", region), _client("sns", region))
        sqs, sns = _clients[region]
        for page in sns.get_paginator("list_subscriptions").paginate():
            for sub in page.get("Subscriptions", []):
                arn = sub["SubscriptionArn"]
                if arn.startswith("arn:"):
                    try:
                        sns.unsubscribe(SubscriptionArn=arn)
                    except Exception as e:
                        _debug(f"unsubscribe {arn}: {e}")
        for page in sns.get_paginator("list_topics").paginate():
            for topic in page.get("Topics", []):
                try:
                    sns.delete_topic(TopicArn=topic["TopicArn"])
                except Exception as e:
                    _debug(f"delete_topic {topic['TopicArn']}: {e}")
        for page in sqs.get_paginator("list_queues").paginate():
            for url in page.get("QueueUrls", []):
                try:
                    sqs.delete_queue(QueueUrl=url)
                except Exception as e:
                    _debug(f"delete_queue {url}: {e}")


APP_TOPIC = "offload-jobs"


def _leftovers():
    sqs, sns = _clients[REGIONS[0]]
    left = [s["SubscriptionArn"] for s in sns.list_subscriptions().get("Subscriptions", [])]
    left += [
        t["TopicArn"]
        for t in sns.list_topics().get("Topics", [])
        if not t["TopicArn"].endswith(":" + APP_TOPIC)
    ]
    left += sqs.list_queues().get("QueueUrls", [])
    return left


class _Offload:
    """`offload start` serving an app with no jobs on a fresh database."""

    def __init__(self):
        self.proc = None
        self.app = None
        self.restarts = 0

    def start(self):
        self.app = tempfile.mkdtemp(prefix="offload-moto-app.")
        os.makedirs(os.path.join(self.app, "jobs"))
        with open(os.path.join(self.app, "offload.config.mjs"), "w") as f:
            f.write('export default { jobs: "jobs" };\n')
        port = ENDPOINT.rsplit(":", 1)[1].rstrip("/")
        env = dict(
            os.environ,
            OFFLOAD_PORT=port,
            OFFLOAD_HOST="localhost",
            OFFLOAD_DB=os.path.join(self.app, "offload.db"),
            OFFLOAD_LOG_LEVEL="warn",
        )
        log = open(os.environ.get("OFFLOAD_MOTO_LOG", os.devnull), "a")
        self.proc = subprocess.Popen(
            ["node", os.environ["OFFLOAD_BIN"], "start", "-c", "offload.config.mjs"],
            cwd=self.app,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        # Counted attempts, not a clock: a test may have frozen time (freezegun).
        for _ in range(300):
            if self.proc.poll() is not None:
                raise RuntimeError(f"offload exited with {self.proc.returncode}")
            try:
                urllib.request.urlopen(f"{ENDPOINT}/health", timeout=1).read()
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("offload did not answer /health in 300 attempts")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.app:
            shutil.rmtree(self.app, ignore_errors=True)
        self.proc = self.app = None

    def restart(self):
        self.stop()
        self.start()
        self.restarts += 1


_offload = _Offload() if os.environ.get("OFFLOAD_BIN") else None


def _reset(self):
    if os.environ.get("MOTO_CALL_RESET_API", "").lower() == "false":
        return
    if _offload and _offload.proc and _offload.proc.poll() is not None:
        _debug(f"offload exited with {_offload.proc.returncode}; starting it again")
        _offload.restart()
    _clean_offload()
    if _offload and _leftovers():
        _debug(f"reset left {_leftovers()}; starting offload afresh")
        _offload.restart()


def pytest_sessionstart(session):
    if _offload:
        _offload.start()


def pytest_sessionfinish(session):
    if _offload:
        _debug(f"offload was started afresh {_offload.restarts} times")
        if RESULTS:
            with open(os.path.join(os.path.dirname(RESULTS), "restarts"), "w") as f:
                f.write(f"{_offload.restarts}\n")
        _offload.stop()


import moto.core.models  # noqa: E402

moto.core.models.ServerModeMockAWS.reset = _reset


_MARKERS = {}


def pytest_collection_modifyitems(items):
    for item in items:
        _MARKERS[item.nodeid] = sorted({m.name for m in item.iter_markers()})


def pytest_runtest_logreport(report):
    if not RESULTS:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        outcome = report.outcome
        if report.when == "setup" and report.failed:
            outcome = "error"
        message = ""
        if report.failed:
            crash = getattr(report.longrepr, "reprcrash", None)
            message = crash.message if crash else str(report.longrepr)[-2000:]
        elif report.skipped:
            message = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
        with open(RESULTS, "a") as f:
            f.write(
                json.dumps(
                    {
                        "test": report.nodeid,
                        "outcome": outcome,
                        "markers": _MARKERS.get(report.nodeid, []),
                        "message": message[:2000],
                    }
                )
                + "\n"
            )


def pytest_configure(config):
    for marker in ("network", "requires_docker", "aws_verified", "requires_clean_slate"):
        config.addinivalue_line("markers", f"{marker}: moto's marker")
