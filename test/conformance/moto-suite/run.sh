#!/usr/bin/env bash
# Run moto's own SQS/SNS tests (tests/test_sqs, tests/test_sns of the installed
# moto version) in moto's server mode against a local `offload start`.
#
#   ./run.sh                 # build offload, run every file, write results/
#   ./run.sh tests/test_sqs/test_sqs.py::test_create_queue   # chosen tests
#
# Environment (all optional):
#   OFFLOAD_DIR   offload checkout to build and run   (default: the one holding this script)
#   MOTO_SRC      where moto's tests are unpacked      (default ${TMPDIR:-/tmp}/offload-moto-src)
#   MOTO_GIT_DIR  a git dir of getmoto/moto to unpack the tests from when
#                 MOTO_SRC lacks them (a clone of github.com/getmoto/moto; required then)
#   PORT          offload's port (default 5000: three moto tests hard-code
#                 http://localhost:5000 in server mode)
#   SKIP_BUILD=1  do not run `npm run build`
#   RESULTS       output folder (default <this folder>/results)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
OFFLOAD_DIR="${OFFLOAD_DIR:-$(cd "$HERE/../../.." && pwd)}"
MOTO_SRC="${MOTO_SRC:-${TMPDIR:-/tmp}/offload-moto-src}"
MOTO_GIT_DIR="${MOTO_GIT_DIR:-}"
PORT="${PORT:-5000}"
RESULTS="${RESULTS:-${TMPDIR:-/tmp}/offload-moto-results}"

MOTO_VERSION="$(pip show moto 2>/dev/null | sed -n 's/^Version: //p')"
[ -n "$MOTO_VERSION" ] || { echo "moto is not installed (pip install moto[server])" >&2; exit 1; }

# 1. moto's tests at the installed version, outside any offload checkout.
if [ "$(cat "$MOTO_SRC/VERSION" 2>/dev/null)" != "$MOTO_VERSION" ]; then
  if [ -z "$MOTO_GIT_DIR" ] || [ ! -d "$MOTO_GIT_DIR" ]; then
    echo "no moto tests for $MOTO_VERSION in $MOTO_SRC; clone getmoto/moto and set MOTO_GIT_DIR" >&2
    exit 1
  fi
  rm -rf "$MOTO_SRC" && mkdir -p "$MOTO_SRC"
  git --git-dir="$MOTO_GIT_DIR" archive "$MOTO_VERSION" \
    tests/__init__.py tests/conftest.py tests/markers.py tests/test_sqs tests/test_sns \
    tests/test_awslambda tests/test_core/__init__.py tests/test_core/utilities.py \
    tests/test_ecr/__init__.py tests/test_ecr/test_ecr_helpers.py tests/test_s3/__init__.py \
    | tar -x -C "$MOTO_SRC"
  echo "$MOTO_VERSION" > "$MOTO_SRC/VERSION"
fi

# 2. offload, built from the checkout. The pytest plugin starts `offload start`
#    itself (an app with no jobs, on a fresh database; again when a test leaves
#    what the API cannot remove) and stops it at the end.
if [ "${SKIP_BUILD:-}" != 1 ]; then (cd "$OFFLOAD_DIR" && npm run build >/dev/null); fi
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then echo "port $PORT is taken" >&2; exit 1; fi
mkdir -p "$RESULTS"
rm -f "$RESULTS"/tests.jsonl "$RESULTS"/junit.xml "$RESULTS"/pytest.txt "$RESULTS"/offload.log "$RESULTS"/restarts

# 3. moto's tests in server mode; the plugin replaces moto's /moto-api/reset and STS.
TARGETS=("$@")
# test_sqs_integration.py is left out: its four tests need Lambda and IAM, and
# its helper get_role_name() retries IAM GetRole/CreateRole forever against a
# server that answers neither (they count as unsupported, not run).
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(tests/test_sqs tests/test_sns --ignore=tests/test_sqs/test_sqs_integration.py)
fi
set +e
(cd "$MOTO_SRC" && \
  TEST_SERVER_MODE=true TEST_SERVER_MODE_ENDPOINT="http://localhost:$PORT" \
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 \
  OFFLOAD_BIN="$OFFLOAD_DIR/bin/offload.mjs" OFFLOAD_MOTO_LOG="$RESULTS/offload.log" \
  MOTO_TEST_ALLOW_AWS_REQUEST=false OFFLOAD_MOTO_DEBUG="${OFFLOAD_MOTO_DEBUG:-}" OFFLOAD_MOTO_RESULTS="$RESULTS/tests.jsonl" \
  PYTHONPATH="$HERE/plugin:$MOTO_SRC" \
  python -m pytest -p offload_moto -p no:cacheprovider -o addopts="" -o faulthandler_timeout=300 --continue-on-collection-errors -q -rA --color=no \
    --junitxml="$RESULTS/junit.xml" "${TARGETS[@]}" >"$RESULTS/pytest.txt" 2>&1)
RC=$?
set -e
{ echo "moto $MOTO_VERSION; offload $(git -C "$OFFLOAD_DIR" rev-parse --short HEAD); $(date -u +%F)"
  tail -1 "$RESULTS/pytest.txt"; echo "offload started afresh $(cat "$RESULTS/restarts" 2>/dev/null || echo ?) times"; } | tee "$RESULTS/SUMMARY"
python3 "$HERE/summarize.py" "$RESULTS/tests.jsonl" > "$RESULTS/outcomes.tsv"
exit $RC
