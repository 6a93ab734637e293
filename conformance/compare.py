#!/usr/bin/env python3
"""Reads the test reports bin/conformance wrote and compares them test by test.

  compare.py --count DIR       one line: the outcome counts of the reports in DIR
  compare.py --results DIR --doc FILE --command CMD --seconds S --suites a,b
                               prints per suite and proxy "direct: N passed; proxy: K passed; proxy-only
                               failures: X" (the writer against direct, the non-writer against read-only
                               PostgreSQL) and rewrites the results part of FILE (docs/conformance.md) from
                               DIR/<suite>/<target>/reports (conformance/report.py)

Reports are JUnit-style XML: the JUnit Platform console launcher's legacy reports (pgJDBC) and mocha's xunit
reporter (node-postgres). A test is keyed by its class (or suite) and name; its outcome is passed, failed
(an assertion or an error), or skipped (an assumption that did not hold, @Disabled, mocha's pending).
"""
import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


def read_reports(directory):
    """{(class, name): (outcome, message, detail)} of every testcase in the XML files of directory."""
    tests = {}
    if not os.path.isdir(directory):
        return tests
    for file in sorted(os.listdir(directory)):
        if not file.endswith(".xml"):
            continue
        root = ET.parse(os.path.join(directory, file)).getroot()
        for case in root.iter("testcase"):
            key = (case.get("classname") or "", case.get("name") or "")
            outcome, message, detail = PASSED, "", ""
            for child in case:
                if child.tag in ("failure", "error"):
                    outcome = FAILED
                    message = child.get("message") or ""
                    detail = child.text or ""
                    break
                if child.tag == "skipped":
                    outcome = SKIPPED
                    message = child.get("message") or (child.text or "")
            # A name seen twice (a parameterized display name repeated, mocha's same title in two files) keeps both.
            k, n = key, 2
            while k in tests:
                k = (key[0], f"{key[1]} #{n}")
                n += 1
            tests[k] = (outcome, message, detail)
    return tests


def counts(tests):
    c = {PASSED: 0, FAILED: 0, SKIPPED: 0}
    for outcome, _, _ in tests.values():
        c[outcome] += 1
    return c


def count_line(directory):
    c = counts(read_reports(directory))
    return f"{c[PASSED]} passed, {c[FAILED]} failed, {c[SKIPPED]} skipped"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count")
    ap.add_argument("--results")
    ap.add_argument("--doc")
    ap.add_argument("--command", default="bin/conformance")
    ap.add_argument("--seconds", type=int, default=0)
    ap.add_argument("--suites", default="pgjdbc,node")
    args = ap.parse_args()
    if args.count:
        print(count_line(args.count))
        return 0
    from report import write_report  # conformance/report.py: the comparison and docs/conformance.md
    return write_report(args)


if __name__ == "__main__":
    sys.exit(main())
