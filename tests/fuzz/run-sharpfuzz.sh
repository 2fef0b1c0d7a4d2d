#!/usr/bin/env bash
# Coverage-guided fuzzing of Cubicle's parsers with SharpFuzz and AFL++ (tests/Cubicle.Fuzz):
#   json   AwsJson.Read for every request type (only ApiException may come out; what reads writes back)
#   sigv4  SigV4Authorization.Parse, SigV4.CanonicalPath/CanonicalQuery/CanonicalRequest, Authenticator
#   audit  the audit record builder (never throws; records are JSON, bounded in size and resources)
# It installs what it needs (Debian's afl++, the SharpFuzz.CommandLine tool into a local tool path), builds the
# targets into a scratch folder, instruments that copy of Cubicle's assemblies (never the server's build output): the
# wire and SigV4 (Cubicle.Protocol), the request types (Cubicle.Services), the audit records (Cubicle.Platform) and the
# domain (Cubicle.Core), and runs
# each target for FUZZ_SECONDS / 3 seconds from the committed seed corpus (tests/fuzz/corpus/<target>).
# Exits 1 when any target crashed, printing each crashing input and the exception it raises.
#   FUZZ_SECONDS  total fuzzing time (default 90)     FUZZ_TARGETS  which targets (default "json sigv4 audit")
#   FUZZ_KEEP     a folder to keep the findings in (default: a temporary folder, removed)
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SECONDS_TOTAL=${FUZZ_SECONDS:-90}
TARGETS=(${FUZZ_TARGETS:-json sigv4 audit})
PER_TARGET=$(( SECONDS_TOTAL / ${#TARGETS[@]} ))
[ "$PER_TARGET" -ge 5 ] || PER_TARGET=5

if ! command -v afl-fuzz >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -qq --no-install-recommends afl++ >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends afl++ >/dev/null; }; } \
    || { echo "could not install afl++"; exit 1; }
fi
TOOLS="$ROOT/tests/fuzz/.tools"
if [ ! -x "$TOOLS/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$TOOLS" >/dev/null \
    || { echo "could not install SharpFuzz.CommandLine"; exit 1; }
fi

WORK=${FUZZ_KEEP:-$(mktemp -d)}
mkdir -p "$WORK"
[ -n "${FUZZ_KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT
OUT="$WORK/bin"
dotnet build tests/Cubicle.Fuzz -c Release -nologo -v q -o "$OUT" >"$WORK/build.log" 2>&1 \
  || { tail -20 "$WORK/build.log"; exit 1; }
for assembly in Cubicle.Protocol Cubicle.Services Cubicle.Platform Cubicle.Core; do
  "$TOOLS/sharpfuzz" "$OUT/$assembly.dll" >/dev/null || { echo "could not instrument $assembly.dll"; exit 1; }
done
echo "afl-fuzz $(afl-fuzz -h 2>&1 | grep -oE '[0-9]+\.[0-9]+[a-z]' | head -1), SharpFuzz 2.3.0;" \
  "${PER_TARGET}s per target: ${TARGETS[*]}"
echo "json: request types $(dotnet "$OUT/Cubicle.Fuzz.dll" types </dev/null)"

# The target is dotnet, not an instrumented binary; the trace bits come from the instrumented assemblies.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_NO_AFFINITY=1 AFL_FORKSRV_INIT_TMOUT=60000 AFL_QUIET=1 AFL_NO_WARN_INSTABILITY=1
export DOTNET_TieredPGO=0

crashed=0
for target in "${TARGETS[@]}"; do
  dict=()
  case "$target" in
    json|audit) dict=(-x "$ROOT/tests/fuzz/json.dict") ;;
    sigv4) dict=(-x "$ROOT/tests/fuzz/sigv4.dict") ;;
  esac
  findings="$WORK/findings-$target"
  afl-fuzz -i "$ROOT/tests/fuzz/corpus/$target" -o "$findings" -V "$PER_TARGET" -t 5000 -m none "${dict[@]}" \
    -- dotnet "$OUT/Cubicle.Fuzz.dll" "$target" >"$WORK/afl-$target.log" 2>&1
  rc=$?
  stats="$findings/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    echo "$target: afl-fuzz did not run (exit $rc):"; tail -30 "$WORK/afl-$target.log"; crashed=1; continue
  fi
  field() { sed -nE "s/^$1 *: *//p" "$stats"; }
  crashes=("$findings"/default/crashes/id:*)
  hangs=("$findings"/default/hangs/id:*)
  [ -e "${crashes[0]}" ] || crashes=()
  [ -e "${hangs[0]}" ] || hangs=()
  echo "$target: $(field execs_done) executions ($(field execs_per_sec)/s), $(field corpus_count) paths," \
    "coverage $(field bitmap_cvg), ${#crashes[@]} crashes, ${#hangs[@]} hangs (over 5 s)"
  shown=0
  for f in "${crashes[@]}"; do
    crashed=1
    shown=$((shown + 1))
    if [ "$shown" -gt 5 ]; then
      echo "--- $target: $(( ${#crashes[@]} - 5 )) more crashes (FUZZ_KEEP=DIR keeps them)"; break
    fi
    echo "--- $target crash $(basename "$f")"
    python3 -c 'import sys; print("input:", repr(open(sys.argv[1], "rb").read()[:2000]))' "$f"
    (cd "$WORK" && dotnet "$OUT/Cubicle.Fuzz.dll" "$target" <"$f" 2>&1 | head -20)
  done
  for f in "${hangs[@]}"; do
    echo "--- $target hang (reported, not failed: a loaded machine can stall any run): $(basename "$f")"
    python3 -c 'import sys; print("input:", repr(open(sys.argv[1], "rb").read()[:500]))' "$f"
  done
done
if [ "$crashed" -ne 0 ]; then echo "SharpFuzz: crashes found"; exit 1; fi
echo "SharpFuzz: no crash"
