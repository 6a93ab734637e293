"""The comparison of bin/conformance's runs and docs/conformance.md (used by compare.py).

For each suite, results/<suite>/<target>/reports holds the reports of one run: direct (PostgreSQL itself), writer
(through a proxy holding the writer lease) and reader (through a proxy that is not the writer).

- A **proxy-only failure** is a test that passed directly and did not pass through the writer proxy.
- Through the reader, a test that passed directly and failed is an **expected refusal** when its failure carries
  SQLSTATE 25006 (read_only_sql_transaction: the proxy's gate or the fenced database itself); anything else is
  listed as a finding.

Causes of findings are written by hand in conformance/findings.json ({"suite", "match": a regular expression on
"class name", "cause"}) and joined to the tests they match, so a new run keeps them.
"""
import json
import os
import re

from compare import FAILED, PASSED, SKIPPED, counts, read_reports

TITLES = {"pgjdbc": "pgJDBC", "node": "node-postgres"}
REFUSAL = "25006"


def sqlstates(reports_dir, tests):
    """{key: set of SQLSTATEs} of the failures in reports_dir: SqlStateListener's file (pgJDBC) or the
    " [SQLSTATE xxxxx]" the node reporter appends to a failure's message."""
    states = {}
    tsv = os.path.join(reports_dir, "sqlstates.tsv")
    if os.path.exists(tsv):
        with open(tsv, encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 3:
                    states.setdefault((parts[0], parts[1]), set()).update(s for s in parts[2].split(",") if s)
    for key, (outcome, message, detail) in tests.items():
        if outcome == FAILED:
            found = set(re.findall(r"\[SQLSTATE ([0-9A-Z]{5})\]", message + "\n" + detail))
            if found:
                states.setdefault(key, set()).update(found)
    return states


def first_line(text, limit=300):
    text = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    text = text.replace("|", "\\|")
    return text if len(text) <= limit else text[:limit] + "…"


def test_name(key):
    cls, name = key
    return f"{cls} {name}".strip()


def load_findings(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def cause_of(findings, suite, key):
    name = test_name(key)
    for f in findings:
        if f.get("suite") == suite and re.search(f["match"], name):
            return f["cause"]
    return "not yet investigated"


def seconds_of(results, suite, target):
    try:
        with open(os.path.join(results, suite, target, "seconds"), encoding="utf-8") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def analyse(results, suite):
    runs = {}
    for target in ("direct", "writer", "reader"):
        d = os.path.join(results, suite, target, "reports")
        if os.path.isdir(d):
            runs[target] = read_reports(d)
    a = {"runs": runs, "counts": {t: counts(r) for t, r in runs.items()}}
    direct = runs.get("direct")
    if direct is None:
        return a
    passed_direct = {k for k, v in direct.items() if v[0] == PASSED}
    if "writer" in runs:
        w = runs["writer"]
        a["proxy_only"] = sorted(k for k in passed_direct if k in w and w[k][0] != PASSED)
        a["missing_writer"] = sorted(k for k in passed_direct if k not in w)
        a["writer_only"] = sorted(k for k, v in w.items() if v[0] == PASSED and k in direct and direct[k][0] == FAILED)
        a["both_failed"] = sorted(k for k, v in direct.items() if v[0] == FAILED and w.get(k, (FAILED,))[0] == FAILED)
    if "reader" in runs:
        r = runs["reader"]
        states = sqlstates(os.path.join(results, suite, "reader", "reports"), r)
        refused, other, still = [], [], []
        for k in sorted(passed_direct):
            if k not in r:
                other.append(k)
            elif r[k][0] == PASSED:
                still.append(k)
            elif REFUSAL in states.get(k, set()):
                refused.append(k)
            else:
                other.append(k)
        a["reader"] = {"passed": still, "refused": refused, "other": other, "states": states}
    return a


def summary_lines(suite, a):
    c = a["counts"]
    lines = []
    if "direct" in c and "writer" in c:
        lines.append(f"{suite}: direct: {c['direct'][PASSED]} passed; proxy: {c['writer'][PASSED]} passed; "
                     f"proxy-only failures: {len(a['proxy_only']) + len(a['missing_writer'])}")
    if "reader" in a:
        r = a["reader"]
        lines.append(f"{suite} (non-writer proxy): {len(r['passed'])} of the {c['direct'][PASSED]} passing directly "
                     f"still pass; {len(r['refused'])} refused with 25006; other failures: {len(r['other'])}")
    return lines


def fmt_counts(c, seconds):
    if c is None:
        return "—"
    s = f"{c[PASSED]} / {c[FAILED]} / {c[SKIPPED]}"
    return s + (f" ({seconds} s)" if seconds is not None else "")


def write_report(args):
    here = os.path.dirname(os.path.abspath(__file__))
    findings = load_findings(os.path.join(here, "findings.json"))
    suites = [s for s in args.suites.split(",") if s]
    analyses = {s: analyse(args.results, s) for s in suites}
    out = []
    for s in suites:
        for line in summary_lines(s, analyses[s]):
            print(line)
            out.append(line)
    minutes = args.seconds // 60
    doc = [
        "# Conformance: drivers' own test suites through the proxy",
        "",
        "<!-- Generated by bin/conformance (conformance/report.py) from its last run; the causes of findings come",
        "     from conformance/findings.json. Edit those, not this table. -->",
        "",
        "`bin/conformance` runs drivers' own test suites three times, each time against a fresh PostgreSQL 15 cluster",
        "set up as pgJDBC's CI sets up its server (users `test`/`test` and `postgres`, database `test` with `hstore`,",
        "`wal_level=logical`, replication slots and senders, `max_prepared_transactions`, md5 for `test`, trust for",
        "`postgres`):",
        "",
        "- **direct**: PostgreSQL itself;",
        "- **writer**: through a real Fenceline proxy process (`java -jar fenceline-proxy.jar proxy`) with inspection on",
        "  and a `group:` section, real etcd, its cluster the only candidate: it holds the writer lease and its",
        "  database fence (triggers on every table of `test`, `default_transaction_read_only`) is open;",
        "- **reader**: through a proxy that is not the writer (its cluster is not a candidate): writes must be refused",
        "  with 25006 and the read-only subset must pass.",
        "",
        "A test that passes directly and not through the writer is a **proxy-only failure** (a finding). Through the",
        "reader, a test that passes directly and fails is an expected refusal only when its failure carries SQLSTATE",
        "25006 (taken from the driver's exception: pgJDBC's `SQLException.getSQLState()` of the failure and its",
        "causes, node-postgres's `err.code`), never from the message text.",
        "",
        f"Command: `{args.command}`. Wall time of this run: {minutes} min {args.seconds % 60} s on the 2-core",
        "development machine (shared with other jobs), including the build of the suites.",
        "",
        "## Totals",
        "",
        "Outcomes are passed / failed / skipped (skipped: an assumption that does not hold here, such as TLS or a",
        "second server, or `@Disabled`; alike in every run).",
        "",
        "| suite | direct | writer proxy | proxy-only failures | reader proxy | reader: refused with 25006 | reader: other |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in suites:
        a = analyses[s]
        c = a["counts"]
        po = len(a.get("proxy_only", [])) + len(a.get("missing_writer", []))
        r = a.get("reader")
        doc.append(f"| {TITLES.get(s, s)} | {fmt_counts(c.get('direct'), seconds_of(args.results, s, 'direct'))} | "
                   f"{fmt_counts(c.get('writer'), seconds_of(args.results, s, 'writer'))} | "
                   f"{po if 'proxy_only' in a else '—'} | "
                   f"{fmt_counts(c.get('reader'), seconds_of(args.results, s, 'reader'))} | "
                   f"{len(r['refused']) if r else '—'} | {len(r['other']) if r else '—'} |")
    doc += ["", "```", *out, "```", ""]
    for s in suites:
        a = analyses[s]
        title = TITLES.get(s, s)
        doc += [f"## {title}", ""]
        if "proxy_only" not in a:
            doc += ["(no direct and writer runs in the last results)", ""]
        else:
            w = a["runs"]["writer"]
            doc += [f"### {title}: proxy-only failures (writer)", ""]
            if not a["proxy_only"] and not a["missing_writer"]:
                doc += ["None.", ""]
            else:
                doc += ["| test | through the proxy | cause |", "|---|---|---|"]
                for k in a["proxy_only"]:
                    outcome, message, detail = w[k]
                    doc.append(f"| `{test_name(k)}` | {outcome}: {first_line(message or detail)} | "
                               f"{cause_of(findings, s, k)} |")
                for k in a["missing_writer"]:
                    doc.append(f"| `{test_name(k)}` | not run (no result) | {cause_of(findings, s, k)} |")
                doc.append("")
            if a["writer_only"]:
                doc += [f"Passing through the proxy but failing directly (timing; not findings): "
                        + ", ".join(f"`{test_name(k)}`" for k in a["writer_only"]), ""]
            if a["both_failed"]:
                doc += [f"Failing in both runs ({len(a['both_failed'])}; the environment, not the proxy):", ""]
                d = a["runs"]["direct"]
                for k in a["both_failed"]:
                    doc.append(f"- `{test_name(k)}`: {first_line(d[k][1] or d[k][2], 200)}")
                doc.append("")
        if "reader" in a:
            r = a["reader"]
            rr = a["runs"]["reader"]
            doc += [f"### {title}: through the non-writer proxy", "",
                    f"Of the tests passing directly, {len(r['passed'])} pass through the non-writer too (the read-only",
                    f"subset), {len(r['refused'])} fail with 25006 (expected refusals of writes), and {len(r['other'])}",
                    "fail otherwise:", ""]
            if r["other"]:
                doc += ["| test | through the non-writer | SQLSTATEs | cause |", "|---|---|---|---|"]
                for k in r["other"]:
                    outcome, message, detail = rr.get(k, ("not run", "", ""))
                    states = ", ".join(sorted(r["states"].get(k, set()))) or "none"
                    doc.append(f"| `{test_name(k)}` | {outcome}: {first_line(message or detail)} | {states} | "
                               f"{cause_of(findings, s, k)} |")
                doc.append("")
            else:
                doc += ["None.", ""]
    doc += [tail_text()]
    with open(args.doc, "w", encoding="utf-8") as f:
        f.write("\n".join(doc).rstrip() + "\n")
    return 0


def tail_text():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "conformance-notes.md")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return f.read()
    return ""
