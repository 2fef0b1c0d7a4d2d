"""Scores a Stryker.NET JSON report per file: killed (and timed out) mutants over all that ran, leaving out the
reviewed equivalent survivors of tests/mutation-equivalents.tsv. Prints one line a file and the survivors; exits 1
when a file scores under the threshold. With --record TSV, each file's score is written there with the commit it
was measured at (tests/mutation.sh --changed mutates a file again only once its code differs from that commit's).
Usage: python3 tests/mutation_score.py REPORT THRESHOLD [--record TSV] FILE..."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DETECTED = {"Killed", "Timeout"}
UNDETECTED = {"Survived", "NoCoverage"}


def equivalents():
    found = set()
    with open(os.path.join(HERE, "mutation-equivalents.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            file, mutator, replacement, original, _why = line.rstrip("\n").split("\t")
            found.add((file, mutator, replacement.strip(), original.strip()))
    return found


def record(tsv, scores):
    """Replaces the rows of the files measured; a file with changes not committed is not recorded."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    rows = {}
    if os.path.exists(tsv):
        with open(tsv) as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    rows[line.split("\t")[0]] = line.rstrip("\n")
    for file, (score, detected, total, equivalent) in scores.items():
        if subprocess.run(["git", "diff", "--quiet", "HEAD", "--", file]).returncode != 0:
            print(f"mutation: {file}: not recorded (changed since the last commit)")
            continue
        rows[file] = f"{file}\t{head}\t{score:.1f}\t{detected}/{total}\t{equivalent}"
    with open(tsv, "w") as f:
        f.write("# file\tcommit measured at\tscore (%)\tkilled/ran\tequivalents left out"
                " (written by tests/mutation.sh --record)\n")
        for file in sorted(rows):
            f.write(rows[file] + "\n")


def main(report, threshold, files, tsv=None):
    data = json.load(open(report))
    scores = {}
    accepted = equivalents()
    failing = []
    for wanted in files:
        entry = next((v for k, v in data["files"].items() if k.replace("\\", "/").endswith(wanted)), None)
        if entry is None:
            print(f"mutation: {wanted}: no mutants (not in the report)")
            continue
        lines = entry["source"].split("\n")
        detected = undetected = equivalent = 0
        survivors = []
        for m in entry["mutants"]:
            status = m["status"]
            if status in DETECTED:
                detected += 1
            elif status in UNDETECTED:
                line = m["location"]["start"]["line"]
                original = lines[line - 1].strip() if line <= len(lines) else ""
                if (wanted, m["mutatorName"], m.get("replacement", "").strip(), original) in accepted:
                    equivalent += 1
                    continue
                undetected += 1
                survivors.append(f"    {status} line {line} {m['mutatorName']}: {m.get('replacement', '')!r}"
                                 f"  ({original})")
        total = detected + undetected
        score = 100.0 * detected / total if total else 100.0
        print(f"mutation: {wanted}: {score:.1f}% ({detected} killed of {total}; {equivalent} equivalent)")
        scores[wanted] = (score, detected, total, equivalent)
        for s in survivors:
            print(s)
        if score < threshold:
            failing.append(wanted)
    if tsv:
        record(tsv, {f: s for f, s in scores.items() if f not in failing})
    if failing:
        print(f"mutation: under {threshold}%: {', '.join(failing)}")
        return 1
    return 0


if __name__ == "__main__":
    args = sys.argv[3:]
    tsv = None
    if args[:1] == ["--record"]:
        tsv, args = args[1], args[2:]
    sys.exit(main(sys.argv[1], float(sys.argv[2]), args, tsv))
