#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: Debian's postgresql, initdb in a temp folder, run by the postgres user on
# a loopback port, no system service. Usage:
#   eval "$(bash tests/postgres/cluster.sh start)"   # exports CUBICLE_TEST_POSTGRES (an Npgsql connection string) and PGDIR
#   bash tests/postgres/cluster.sh stop "$PGDIR"
set -euo pipefail
bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

case "${1:-}" in
  install)
    if [ -z "$(bin)" ]; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    fi
    ;;
  start)
    B=$(bin)
    [ -n "$B" ] || { echo "echo 'postgresql is not installed' >&2; false"; exit 1; }
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    DIR=$(mktemp -d /tmp/cubicle-pg-XXXXXX)
    chown postgres "$DIR"
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    su postgres -s /bin/sh -c "'$B/initdb' -D '$DIR/data' -U postgres -A trust -E UTF8 >/dev/null"
    # Settings for a test cluster: many connections (several nodes, each with pools), durability kept on.
    cat >> "$DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
max_connections = 400
shared_buffers = 128MB
fsync = on
CONF
    su postgres -s /bin/sh -c "'$B/pg_ctl' -D '$DIR/data' -l '$DIR/log' -w start >/dev/null"
    echo "export PGDIR='$DIR' PGPORT_TEST=$PORT"
    echo "export CUBICLE_TEST_POSTGRES='Host=127.0.0.1;Port=$PORT;Username=postgres;Database=postgres'"
    ;;
  stop)
    B=$(bin)
    DIR=${2:?the folder printed by start}
    su postgres -s /bin/sh -c "'$B/pg_ctl' -D '$DIR/data' -m fast -w stop >/dev/null" || true
    rm -rf "$DIR"
    ;;
  pause)   # stop the server but keep its data (the database becomes unreachable)
    su postgres -s /bin/sh -c "'$(bin)/pg_ctl' -D '${2:?}/data' -m fast -w stop >/dev/null"
    ;;
  resume)
    su postgres -s /bin/sh -c "'$(bin)/pg_ctl' -D '${2:?}/data' -l '${2:?}/log' -w start >/dev/null"
    ;;
  *)
    echo "usage: cluster.sh install | start | stop DIR | pause DIR | resume DIR" >&2
    exit 2
    ;;
esac
