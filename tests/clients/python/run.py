"""Runs Python test modules with unittest (verbose, to stdout) and writes their results as JUnit XML, which
tests/run-all.sh reads. Usage: python3 run.py --junit FILE MODULE [MODULE...]. Exit status 0 only when nothing
failed."""
import argparse
import sys
import time
import unittest
import xml.etree.ElementTree as ET


class Recorder(unittest.TextTestResult):
    """The verbose text result, which also keeps every test's outcome and time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cases = []
        self._started = {}

    def startTest(self, test):
        self._started[test.id()] = time.monotonic()
        super().startTest(test)

    def _record(self, test, outcome, detail=""):
        took = time.monotonic() - self._started.get(test.id(), time.monotonic())
        self.cases.append((test.id(), outcome, detail, took))

    def addSuccess(self, test):
        super().addSuccess(test)
        self._record(test, "passed")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._record(test, "failure", self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._record(test, "error", self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._record(test, "skipped", reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._record(test, "passed")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._record(test, "failure", "unexpected success")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            kind = "failure" if issubclass(err[0], test.failureException) else "error"
            self._record(subtest, kind, self._exc_info_to_string(err, test))


def write_junit(path, cases):
    suite = ET.Element("testsuite", name="python", tests=str(len(cases)),
                       failures=str(sum(c[1] == "failure" for c in cases)),
                       errors=str(sum(c[1] == "error" for c in cases)),
                       skipped=str(sum(c[1] == "skipped" for c in cases)))
    for name, outcome, detail, took in cases:
        classname, _, method = name.rpartition(".")
        case = ET.SubElement(suite, "testcase", classname=classname, name=method, time=f"{took:.3f}")
        if outcome in ("failure", "error"):
            first = detail.strip().splitlines()[-1] if detail.strip() else outcome
            ET.SubElement(case, outcome, message=first[:500]).text = detail
        elif outcome == "skipped":
            ET.SubElement(case, "skipped", message=detail)
    ET.ElementTree(suite).write(path, encoding="unicode")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--junit", required=True)
    parser.add_argument("modules", nargs="+")
    args = parser.parse_args()
    suite = unittest.defaultTestLoader.loadTestsFromNames(args.modules)
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=Recorder)
    result = runner.run(suite)
    write_junit(args.junit, result.cases)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
