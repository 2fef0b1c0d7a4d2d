#!/usr/bin/env bash
# Mutation testing of Cubicle's core (tests/mutation-core.txt) with Stryker.NET (a local tool of the manifest),
# against the .NET tests on SQLite (the logic is the same on both engines; PostgreSQL's rows would only slow it).
#   bash tests/mutation.sh              every core file
#   bash tests/mutation.sh --changed    the core files whose code differs from where their score was last measured
#                                       (tests/mutation-scores.tsv), or that have no score yet
#   bash tests/mutation.sh FILE...      these files
# With --record (first), the scores measured are written to tests/mutation-scores.tsv with the commit they were
# measured at (the files must be committed as they are). Each file's score is its killed mutants over all that ran,
# leaving out the reviewed equivalent survivors (tests/mutation-equivalents.tsv); the run fails when a file scores
# under MUTATION_THRESHOLD (80). Stryker mutates one project a run: the files are grouped by their project.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
THRESHOLD=${MUTATION_THRESHOLD:-80}
SCORES=tests/mutation-scores.tsv
mapfile -t CORE < <(grep -vE '^\s*(#|$)' tests/mutation-core.txt)

record=""
if [ "${1:-}" = "--record" ]; then record=1; shift; fi

# What a mutant can change: the code without usings, the namespace, comments and blank lines (a file moved to
# another project, or a comment reworded, has the same mutants and the same tests).
code() { grep -vE '^\s*(using [A-Za-z.]+;|namespace [A-Za-z.]+;|//.*)?\s*$'; }

files=()
if [ "${1:-}" = "--changed" ]; then
  for f in "${CORE[@]}"; do
    # The commit, and the file's path there when it has moved since (a sixth column).
    read -r at was < <(awk -F'\t' -v f="$f" '$1 == f { print $2, ($6 == "" ? $1 : $6) }' "$SCORES" 2>/dev/null)
    if [ -z "${at:-}" ] || ! cmp -s <(git show "$at:$was" 2>/dev/null | code) <(code <"$f"); then files+=("$f"); fi
  done
  echo "mutation: core files changed since their score was measured: ${#files[@]}"
elif [ $# -gt 0 ]; then
  files=("$@")
else
  files=("${CORE[@]}")
fi
[ ${#files[@]} -gt 0 ] || { echo "mutation: nothing to mutate"; exit 0; }

dotnet tool restore >/dev/null || exit 1
status=0
for project in $(printf '%s\n' "${files[@]}" | cut -d/ -f2 | sort -u); do
  mine=()
  for f in "${files[@]}"; do [ "$(cut -d/ -f2 <<<"$f")" = "$project" ] && mine+=("$f"); done
  out=$(mktemp -d)
  args=()
  for f in "${mine[@]}"; do args+=(--mutate "$ROOT/$f"); done
  echo "mutation: $project: ${#mine[@]} files"
  (cd tests/Cubicle.Tests && env -u CUBICLE_TEST_POSTGRES -u CUBICLE_TEST_REQUIRE_ALL dotnet stryker \
    --project "$project.csproj" --reporter json --reporter progress --output "$out" \
    --concurrency "${MUTATION_CONCURRENCY:-2}" "${args[@]}") >"$out/stryker.log" 2>&1
  report=$(find "$out" -name mutation-report.json | head -1)
  if [ -z "$report" ]; then
    tail -40 "$out/stryker.log"
    echo "mutation: Stryker wrote no report for $project"
    status=1
    continue
  fi
  python3 tests/mutation_score.py "$report" "$THRESHOLD" ${record:+--record "$SCORES"} "${mine[@]}" || status=1
done
exit $status
