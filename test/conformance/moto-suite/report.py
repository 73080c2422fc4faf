"""Print the markdown lists of a classified run (classified.tsv from classify.py)."""
import sys
from collections import OrderedDict, defaultdict

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
names = {"a": "offload deviates from AWS", "b": "moto-only expectation", "u": "unverified error text"}


def short(test):
    path, _, name = test.partition("::")
    return f"`{path.replace('tests/', '')}::{name}`"


for cls in ("a", "b", "u"):
    chosen = [r for r in rows if r[0] == cls]
    print(f"\n**({cls}) {names[cls]}: {len(chosen)}**\n")
    if not chosen:
        print("None.")
        continue
    print("| test | reason |\n| --- | --- |")
    for _, test, verified, reason in chosen:
        mark = " (aws_verified)" if verified else ""
        print(f"| {short(test)}{mark} | {reason.replace('|', '/')} |")

groups = OrderedDict()
for cls, test, verified, reason in rows:
    if cls == "c":
        # The feature is what comes before the first "; " (the rest is a per-test note).
        groups.setdefault(reason.split("; ")[0], []).append(test)
print(f"\n**(c) unsupported: {sum(len(v) for v in groups.values())}**\n")
print("| feature | tests |\n| --- | --- |")
for reason, tests in sorted(groups.items(), key=lambda kv: -len(kv[1])):
    by_file = defaultdict(list)
    for t in tests:
        path, _, name = t.partition("::")
        by_file[path.replace("tests/", "")].append(name)
    text = "; ".join(f"{f}: {', '.join(n)}" for f, n in by_file.items())
    print(f"| {reason} ({len(tests)}) | {text} |")
