#!/usr/bin/env bash
# Runs every test of Cubicle on a fresh machine: it installs what the tests need (AWS CLI v2, PostgreSQL and slapd
# from Debian, the JS SDK from npm), builds in Release, starts a throwaway PostgreSQL cluster, then runs the xunit
# tests and the client conformance suites (AWS CLI v1 and v2, boto3, @aws-sdk/client-workspaces) against real
# servers, once on each engine (SQLite, PostgreSQL), a seeded wire fuzzer, and SharpFuzz on the parsers
# (tests/fuzz/run-sharpfuzz.sh installs afl++ and SharpFuzz itself).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
LOGS=$(mktemp -d)

step() { printf '\n== %s\n' "$*"; }

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

passed=0; failed=0
count() { passed=$((passed + $1)); failed=$((failed + $2)); }

step "starting a PostgreSQL cluster for the tests"
eval "$(bash tests/postgres/cluster.sh start)" || { echo "could not start postgresql"; exit 1; }
trap 'bash tests/postgres/cluster.sh stop "$PGDIR"' EXIT
echo "$CUBICLE_TEST_POSTGRES"

step "code style: CSharpier's format, lines under 120 characters"
if (dotnet tool restore >/dev/null && dotnet csharpier check src tests bench >"$LOGS/style.log" 2>&1); then
  long=$(git ls-files 'src/*.cs' 'tests/*.cs' 'bench/*.cs' | xargs awk 'length > 120 {print FILENAME":"FNR}')
  if [ -z "$long" ]; then echo "formatted"; count 1 0; else echo "lines over 120 characters:"; echo "$long"; count 0 1; fi
else
  tail -20 "$LOGS/style.log"; count 0 1
fi

step "unit tests (xunit)"
dotnet test tests/Cubicle.Tests -c Release --no-build -nologo 2>&1 | tee "$LOGS/xunit.log" | grep -E "Passed!|Failed!|\[FAIL\]|Failed [A-Za-z]"
line=$(grep -E "(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+" "$LOGS/xunit.log" | tail -1)
if [ -n "$line" ]; then
  count "$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$line")" "$(sed -E 's/.*Failed: +([0-9]+),.*/\1/' <<<"$line")"
else
  count 0 1; tail -30 "$LOGS/xunit.log"
fi

run_unittest() { # name, module, engine
  step "$1 [$3]"
  local log="$LOGS/$2-$3.log"
  (cd tests/clients/python && CUBICLE_TEST_DATABASE=$3 python3 -m unittest -v "$2") >"$log" 2>&1
  grep -E "(FAIL|ERROR):|^Ran|^OK|^FAILED" "$log"
  local ran bad
  ran=$(grep -E "^Ran [0-9]+ test" "$log" | sed -E 's/^Ran ([0-9]+).*/\1/')
  bad=0
  for n in $(grep -E "^FAILED" "$log" | grep -oE "(failures|errors)=[0-9]+" | cut -d= -f2); do bad=$((bad + n)); done
  [ -n "$ran" ] || { count 0 1; tail -40 "$log"; return; }
  [ "$bad" -gt 0 ] && sed -n '/^=\{10,\}/,$p' "$log" | head -120
  count $((ran - bad)) "$bad"
}

run_js() { # engine
  step "JS SDK v3 conformance and desktops in Chromium (node --test) [$1]"
  local log="$LOGS/js-$1.log"
  (cd tests/clients/js && CUBICLE_TEST_DATABASE=$1 node --test --test-concurrency=1 2>&1) >"$log"
  grep -E "^not ok|^# (pass|fail)" "$log"
  local jp jf
  jp=$(grep -E "^# pass" "$log" | awk '{print $3}'); jf=$(grep -E "^# fail" "$log" | awk '{print $3}')
  if [ -n "$jp" ]; then
    [ "${jf:-0}" -gt 0 ] && grep -B2 -A30 "^not ok" "$log" | head -80
    count "$jp" "${jf:-0}"
  else
    count 0 1; tail -30 "$log"
  fi
}

for engine in sqlite postgres; do
  run_unittest "boto3 conformance" test_boto3 $engine
  run_unittest "AWS CLI v1 and v2 conformance" test_awscli $engine
  run_unittest "authentication: keys, isolation, policies, throttling, limits, TLS" test_auth $engine
  run_unittest "audit trail: lookup-events, delivered files, digests, crash" test_audit $engine
  run_unittest "directories: Directory Service, Directory Service Data, LDAP, registration, snapshots" test_directories $engine
  run_unittest "sign-in under attack: budgets per network and user, parallel guesses, a stalled LDAP directory" test_signin $engine
  run_unittest "operations: metrics, request ids in logs, OTLP traces, SIGTERM under load" test_operations $engine
  run_unittest "chaos: kill -9 every few seconds under a mixed load of changes, nothing acknowledged lost" test_chaos $engine
  run_js $engine
done
run_unittest "several nodes on one PostgreSQL: invariants, failover, audit across nodes, outages" test_multinode postgres
run_unittest "fuzzing through the wire: mutated signed requests, framing, slow bodies, memory" test_fuzz sqlite
grep -E "^fuzz:|memory \(VmRSS\)" "$LOGS/test_fuzz-sqlite.log"

step "SharpFuzz (AFL++): JSON reader, SigV4 parsers, audit records (${FUZZ_SECONDS:-90}s)"
if bash tests/fuzz/run-sharpfuzz.sh >"$LOGS/sharpfuzz.log" 2>&1; then
  grep -E "^(afl-fuzz|json|sigv4|audit):|^afl-fuzz|SharpFuzz:" "$LOGS/sharpfuzz.log"; count 1 0
else
  tail -60 "$LOGS/sharpfuzz.log"; count 0 1
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
