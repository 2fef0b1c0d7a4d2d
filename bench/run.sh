#!/usr/bin/env bash
# The benchmark harness, one command on a fresh machine: installs wrk and gnuplot, builds Cubicle and the
# bare Kestrel peer in Release, then runs Cubicle, moto_server and bare Kestrel side by side (bench/harness.py).
# Environment: BENCH_SECONDS (8), BENCH_WARMUP (4), BENCH_SIZES (1000,100000,1000000), BENCH_REPEAT (3: runs of each
# DescribeWorkspaces row at 1,000 stored), BENCH_POSTGRES (an Npgsql connection string to a cluster for the PostgreSQL
# rows; without it a throwaway cluster is started with tests/postgres/cluster.sh; "off" skips those rows).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v moto_server >/dev/null || { echo "moto_server is not on PATH"; exit 1; }
if [ -z "${BENCH_POSTGRES:-}" ]; then bash tests/postgres/cluster.sh install; fi
dotnet build -c Release -nologo -v q src/Cubicle.Server >/dev/null
dotnet build -c Release -nologo -v q bench/BareKestrel >/dev/null
python3 bench/harness.py
