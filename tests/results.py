"""Reads the result files the test runners write (TRX from dotnet test, JUnit XML from node --test and from
tests/clients/python/run.py) and prints one line: PASSED FAILED SKIPPED, then the names of the failed and the
skipped tests (with why), one a line. Usage: python3 tests/results.py FILE... (a missing or unreadable file counts as
one failure: a suite that wrote no results did not pass)."""
import sys
import xml.etree.ElementTree as ET

TRX = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"


def trx(root):
    for r in root.iter(TRX + "UnitTestResult"):
        outcome, name = r.get("outcome"), r.get("testName")
        if outcome == "Passed":
            yield "passed", name, ""
        elif outcome == "NotExecuted":
            text = r.find(f"{TRX}Output/{TRX}StdOut")
            reason = r.find(f"{TRX}Output/{TRX}ErrorInfo/{TRX}Message")
            yield "skipped", name, (reason.text if reason is not None else text.text if text is not None else "")
        else:
            yield "failed", name, outcome


def junit(root):
    for case in root.iter("testcase"):
        name = ".".join(x for x in (case.get("classname"), case.get("name")) if x)
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        skipped = case.find("skipped")
        if failure is not None:
            yield "failed", name, (failure.get("message") or failure.get("type") or "")[:300]
        elif skipped is not None:
            yield "skipped", name, skipped.get("message") or (skipped.text or "")
        else:
            yield "passed", name, ""


def main(paths):
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    notes = []
    for path in paths:
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError) as e:
            counts["failed"] += 1
            notes.append(f"failed: {path}: no results ({e})")
            continue
        found = trx(root) if root.tag.startswith(TRX) else junit(root)
        n = 0
        for outcome, name, why in found:
            n += 1
            counts[outcome] += 1
            if outcome != "passed":
                notes.append(f"{outcome}: {name}" + (f" ({why.strip()})" if why and why.strip() else ""))
        if n == 0:
            counts["failed"] += 1
            notes.append(f"failed: {path}: no test ran")
    print(counts["passed"], counts["failed"], counts["skipped"])
    for line in notes:
        print(line)


if __name__ == "__main__":
    main(sys.argv[1:])
