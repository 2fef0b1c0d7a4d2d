"""Scores a Stryker.NET JSON report per file: killed (and timed out) mutants over all that ran, leaving out the
reviewed equivalent survivors of tests/mutation-equivalents.tsv. Prints one line a file and the survivors; exits 1
when a file scores under the threshold. Usage: python3 tests/mutation_score.py REPORT THRESHOLD FILE..."""
import json
import os
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


def main(report, threshold, files):
    data = json.load(open(report))
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
        for s in survivors:
            print(s)
        if score < threshold:
            failing.append(wanted)
    if failing:
        print(f"mutation: under {threshold}%: {', '.join(failing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2]), sys.argv[3:]))
