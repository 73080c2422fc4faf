"""One line per test: outcome, aws_verified or not, node id, first line of the failure."""
import json
import sys

for line in open(sys.argv[1]):
    r = json.loads(line)
    verified = "aws_verified" if "aws_verified" in r["markers"] else "-"
    msg = r["message"].strip().splitlines()[0][:300] if r["message"].strip() else ""
    print(f'{r["outcome"]}\t{verified}\t{r["test"]}\t{msg}')
