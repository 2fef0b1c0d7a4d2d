#!/usr/bin/env bash
# Runs every test of Cubicle on a fresh machine: it installs what the tests need (AWS CLI v2, PostgreSQL and slapd
# from Debian, the JS SDK from npm), builds in Release, starts a throwaway PostgreSQL cluster, then runs the xunit
# tests and the client conformance suites (AWS CLI v1 and v2, boto3, @aws-sdk/client-workspaces) against real
# servers, once on each engine (SQLite, PostgreSQL), kill -9 chaos, a seeded wire fuzzer, SharpFuzz on the parsers
# (tests/fuzz/run-sharpfuzz.sh installs afl++ and SharpFuzz itself) and mutation testing of the core files whose
# code changed since their scores were measured (tests/mutation.sh).
#
#   bash tests/run-all.sh              every suite
#   bash tests/run-all.sh auth js      the named suites only (on both engines where they run on both)
#
# Suites: style xunit boto3 awscli auth audit strangers directories signin operations chaos js multinode packaging web fuzz sharpfuzz
# mutation. Every runner writes a result file (TRX, JUnit XML); the counts come from those files. A test that cannot
# run here (a missing prerequisite) fails the run: CUBICLE_TEST_REQUIRE_ALL=1 makes the suites fail such tests
# instead of skipping them, and a skip that gets through anyway fails the run too. The last line is
# "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
LOGS=$(mktemp -d)
SUITES=("$@")
export CUBICLE_TEST_REQUIRE_ALL=1

# Each step says how long the one before it took (CI has 90 minutes for all of them).
STEP_STARTED=
step() {
  [ -z "$STEP_STARTED" ] || printf '(%ss)\n' "$((SECONDS - STEP_STARTED))"
  printf '\n== %s\n' "$*"
  STEP_STARTED=$SECONDS
}
want() { [ ${#SUITES[@]} -eq 0 ] || [[ " ${SUITES[*]} " == *" $1 "* ]]; }

step "installing what the tests need"
need=()
[ -x /usr/bin/aws ] || need+=(awscli)
command -v openssl >/dev/null || need+=(openssl)
# Real desktops (--desktops local) and the browser that drives them.
# User volumes (ext4 images) and the isolation tests' attacks (curl from inside a desktop).
for p in Xvnc:tigervnc-standalone-server icewm-session:icewm xterm:xterm bwrap:bubblewrap chromium:chromium \
    mkfs.ext4:e2fsprogs curl:curl; do
  command -v "${p%%:*}" >/dev/null || need+=("${p#*:}")
done
[ -f /usr/share/novnc/vnc.html ] || need+=(novnc)
# Prometheus' own text-format parser, for the /metrics test.
[ -d /usr/lib/python3/dist-packages/prometheus_client ] || need+=(python3-prometheus-client)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || { echo "could not install ${need[*]}"; exit 1; }
fi
bash tests/postgres/cluster.sh install || { echo "could not install postgresql"; exit 1; }
bash tests/ldap/slapd.sh install || { echo "could not install slapd"; exit 1; }
command -v aws >/dev/null || { echo "AWS CLI v1 (aws) is not on PATH"; exit 1; }
python3 -c "import boto3" || { echo "boto3 is missing"; exit 1; }
(cd tests/clients/js && npm ci --no-audit --no-fund --loglevel=error) || exit 1
echo "aws v1: $(aws --version 2>&1)"; echo "aws v2: $(/usr/bin/aws --version 2>&1)"; echo "node: $(node --version)"

step "building (Release)"
dotnet build -c Release -nologo -v q 2>&1 | tail -3
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
export CUBICLE_SERVER_DLL="$ROOT/src/Cubicle.Server/bin/Release/net10.0/Cubicle.Server.dll"

passed=0; failed=0; skipped=0
count() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + ${3:-0})); }

# Counts the tests of the runners' result files; prints those that did not pass.
count_results() {
  local out counts
  out=$(python3 tests/results.py "$@")
  counts=$(head -1 <<<"$out")
  tail -n +2 <<<"$out" | head -60
  # shellcheck disable=SC2086
  count $counts
  echo "($counts: passed failed skipped)"
}

step "starting a PostgreSQL cluster for the tests"
eval "$(bash tests/postgres/cluster.sh start)" || { echo "could not start postgresql"; exit 1; }
trap 'bash tests/postgres/cluster.sh stop "$PGDIR"' EXIT
echo "$CUBICLE_TEST_POSTGRES"

if want style; then
  step "code style: CSharpier's format, lines under 120 characters"
  if (dotnet tool restore >/dev/null && dotnet csharpier check src tests bench >"$LOGS/style.log" 2>&1); then
    long=$(git ls-files 'src/*.cs' 'tests/*.cs' 'bench/*.cs' | xargs awk 'length > 120 {print FILENAME":"FNR}')
    if [ -z "$long" ]; then echo "formatted"; count 1 0; else echo "lines over 120 characters:"; echo "$long"; count 0 1; fi
  else
    tail -20 "$LOGS/style.log"; count 0 1
  fi
fi

if want xunit; then
  step "unit tests (xunit, both engines)"
  dotnet test tests/Cubicle.Tests -c Release --no-build -nologo --results-directory "$LOGS" \
    --logger "trx;LogFileName=xunit.trx" >"$LOGS/xunit.log" 2>&1
  grep -E "Passed!|Failed!|\[FAIL\]" "$LOGS/xunit.log"
  count_results "$LOGS/xunit.trx"
fi

run_unittest() { # suite, title, module, engine
  want "$1" || return 0
  step "$2 [$4]"
  local junit="$LOGS/$3-$4.xml"
  (cd tests/clients/python && CUBICLE_TEST_DATABASE=$4 python3 run.py --junit "$junit" "$3") >"$LOGS/$3-$4.log" 2>&1
  grep -E "(FAIL|ERROR):|^Ran|^OK|^FAILED|^  [a-z].*:" "$LOGS/$3-$4.log" | head -40
  grep -q "FAILED\|Error" "$LOGS/$3-$4.log" && sed -n '/^=\{10,\}/,$p' "$LOGS/$3-$4.log" | head -120
  count_results "$junit"
}

run_js() { # engine
  want js || return 0
  step "JS SDK v3 conformance and desktops in Chromium (node --test) [$1]"
  (cd tests/clients/js && CUBICLE_TEST_DATABASE=$1 node --test --test-concurrency=1 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=junit --test-reporter-destination="$LOGS/js-$1.xml" 2>&1) >"$LOGS/js-$1.log"
  grep -E "^✖|^ℹ (pass|fail|skipped)" "$LOGS/js-$1.log"
  grep -q "^ℹ fail [1-9]" "$LOGS/js-$1.log" && grep -A30 "^✖ failing tests" "$LOGS/js-$1.log" | head -80
  count_results "$LOGS/js-$1.xml"
}

for engine in sqlite postgres; do
  run_unittest boto3 "boto3 conformance" test_boto3 $engine
  run_unittest awscli "AWS CLI v1 and v2 conformance" test_awscli $engine
  run_unittest auth "authentication: keys, isolation, policies, throttling, limits, TLS" test_auth $engine
  run_unittest audit "audit trail: lookup-events, delivered files, digests, crash" test_audit $engine
  run_unittest strangers "strangers: root key behind a proxy, key caches' memory, failed signatures, regions, the trail" \
    test_strangers $engine
  run_unittest directories "directories: Directory Service, Directory Service Data, LDAP, registration, snapshots" \
    test_directories $engine
  run_unittest signin "sign-in under attack: budgets per network and user, parallel guesses, a stalled directory" \
    test_signin $engine
  run_unittest operations "operations: metrics, request ids in logs, OTLP traces, SIGTERM under load" \
    test_operations $engine
  run_unittest chaos "chaos: kill -9 every few seconds under a mixed load of changes, nothing acknowledged lost" \
    test_chaos $engine
  run_js $engine
done
run_unittest multinode "several nodes on one PostgreSQL: invariants, races, failover, audit across nodes, outages" \
  test_multinode postgres
run_unittest packaging "packaging: dotnet run, the published executable, the options table" test_packaging sqlite
run_unittest web "browser surfaces: noVNC's own pages not served, CSP, frame and HSTS headers, __Host- cookies" \
  test_web_surfaces sqlite
run_unittest fuzz "fuzzing through the wire: mutated signed requests, framing, slow bodies, memory" test_fuzz sqlite
want fuzz && grep -E "^fuzz:|memory \(VmRSS\)" "$LOGS/test_fuzz-sqlite.log"

if want sharpfuzz; then
  step "SharpFuzz (AFL++): JSON reader, SigV4 parsers, audit records (${FUZZ_SECONDS:-90}s)"
  if bash tests/fuzz/run-sharpfuzz.sh >"$LOGS/sharpfuzz.log" 2>&1; then
    grep -E "^(afl-fuzz|json|sigv4|audit):|^afl-fuzz|SharpFuzz:" "$LOGS/sharpfuzz.log"; count 1 0
  else
    tail -60 "$LOGS/sharpfuzz.log"; count 0 1
  fi
fi

if want mutation; then
  step "mutation testing (Stryker.NET) of the core files changed since their scores were measured"
  # What is left of CI's 90 minutes, less five for the summary: a run cut short fails rather than the whole CI.
  left=$((${CI_MINUTES:-90} * 60 - SECONDS - 300))
  if timeout "$((left > 60 ? left : 60))" bash tests/mutation.sh --changed >"$LOGS/mutation.log" 2>&1; then
    grep -E "^mutation:|%" "$LOGS/mutation.log" | tail -30; count 1 0
  else
    tail -60 "$LOGS/mutation.log"; count 0 1
  fi
fi

printf '(%ss)\n\nall steps: %ss\n' "$((SECONDS - STEP_STARTED))" "$SECONDS"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$skipped" -eq 0 ] && [ "$passed" -gt 0 ]
