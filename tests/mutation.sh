#!/usr/bin/env bash
# Mutation testing of Cubicle's core (tests/mutation-core.txt) with Stryker.NET (a local tool of the manifest),
# against the .NET tests on SQLite (the logic is the same on both engines; PostgreSQL's rows would only slow it).
#   bash tests/mutation.sh              every core file (tests/MUTATION.md holds the scores of the last full run)
#   bash tests/mutation.sh --changed    the core files changed since the last landed commit: MUTATION_SINCE, or else
#                                       the newest commit that is over 6 hours older than the one after it (the
#                                       history's gap between working sessions)
#   bash tests/mutation.sh FILE...      these files
# Each file's score is its killed mutants over all that ran, leaving out the reviewed equivalent survivors
# (tests/mutation-equivalents.tsv); the run fails when a file scores under MUTATION_THRESHOLD (80).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
THRESHOLD=${MUTATION_THRESHOLD:-80}
mapfile -t CORE < <(grep -vE '^\s*(#|$)' tests/mutation-core.txt)

files=()
if [ "${1:-}" = "--changed" ]; then
  since=${MUTATION_SINCE:-}
  if [ -z "$since" ]; then
    since=$(git log --format='%H %ct' | awk 'NR > 1 && prev - $2 > 21600 { print $1; exit } { prev = $2 }')
  fi
  [ -n "$since" ] || { echo "mutation: no landed commit found to compare with"; exit 1; }
  for f in "${CORE[@]}"; do
    git diff --quiet "$since" -- "$f" || files+=("$f")
  done
  echo "mutation: core files changed since $(git log -1 --format='%h %s' "$since" | cut -c1-80): ${#files[@]}"
elif [ $# -gt 0 ]; then
  files=("$@")
else
  files=("${CORE[@]}")
fi
[ ${#files[@]} -gt 0 ] || { echo "mutation: nothing to mutate"; exit 0; }

dotnet tool restore >/dev/null || exit 1
out=$(mktemp -d)
args=()
for f in "${files[@]}"; do args+=(--mutate "$ROOT/$f"); done
(cd tests/Cubicle.Tests && env -u CUBICLE_TEST_POSTGRES -u CUBICLE_TEST_REQUIRE_ALL dotnet stryker \
  --project Cubicle.csproj --reporter json --reporter progress --output "$out" --concurrency "${MUTATION_CONCURRENCY:-2}" \
  "${args[@]}") >"$out/stryker.log" 2>&1
status=$?
report=$(find "$out" -name mutation-report.json | head -1)
if [ -z "$report" ]; then
  tail -40 "$out/stryker.log"
  echo "mutation: Stryker wrote no report (exit $status)"
  exit 1
fi
python3 tests/mutation_score.py "$report" "$THRESHOLD" "${files[@]}"
