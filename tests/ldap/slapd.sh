#!/usr/bin/env bash
# A throwaway OpenLDAP directory for the tests: Debian's slapd on a loopback port, with the suffix of a DNS name,
# a service account and users (uid, inetOrgPerson) with passwords. Usage:
#   eval "$(bash tests/ldap/slapd.sh start corp.example.com)"   # exports LDAP_PORT, LDAP_DIR
#   bash tests/ldap/slapd.sh stop "$LDAP_DIR" | pause "$LDAP_DIR" | resume "$LDAP_DIR"
# The service account is cn=svc (password svc-password); users alice, bob, carol (password <name>-ldap-pw).
set -euo pipefail

case "${1:-}" in
  install)
    if ! command -v slapd >/dev/null && [ ! -x /usr/sbin/slapd ]; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends slapd ldap-utils >/dev/null
    fi
    ;;
  start)
    DOMAIN=${2:-corp.example.com}
    BASE=$(echo "$DOMAIN" | sed 's/^/dc=/; s/\./,dc=/g')
    DIR=$(mktemp -d /tmp/cubicle-ldap-XXXXXX)
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p "$DIR/db"
    cat > "$DIR/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $DIR/slapd.pid
database mdb
maxsize 104857600
suffix "$BASE"
rootdn "cn=admin,$BASE"
rootpw admin-password
directory $DIR/db
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
CONF
    echo "$PORT" > "$DIR/port"
    /usr/sbin/slapd -f "$DIR/slapd.conf" -h "ldap://127.0.0.1:$PORT/"
    for i in $(seq 1 50); do ldapsearch -x -H "ldap://127.0.0.1:$PORT" -b "" -s base >/dev/null 2>&1 && break; sleep 0.1; done
    {
      echo "dn: $BASE"; echo "objectClass: dcObject"; echo "objectClass: organization"; echo "o: $DOMAIN"
      echo "dc: ${DOMAIN%%.*}"; echo
      echo "dn: ou=people,$BASE"; echo "objectClass: organizationalUnit"; echo "ou: people"; echo
      echo "dn: cn=svc,$BASE"; echo "objectClass: person"; echo "cn: svc"; echo "sn: service"
      echo "userPassword: $(/usr/sbin/slappasswd -s svc-password)"; echo
      for u in alice bob carol; do
        echo "dn: uid=$u,ou=people,$BASE"; echo "objectClass: inetOrgPerson"; echo "uid: $u"; echo "cn: $u"
        echo "sn: ${u^}"; echo "givenName: ${u^}"; echo "mail: $u@$DOMAIN"
        echo "userPassword: $(/usr/sbin/slappasswd -s "$u-ldap-pw")"; echo
      done
    } | ldapadd -x -H "ldap://127.0.0.1:$PORT" -D "cn=admin,$BASE" -w admin-password >/dev/null
    echo "export LDAP_DIR='$DIR' LDAP_PORT=$PORT LDAP_BASE='$BASE'"
    ;;
  stop)
    DIR=${2:?}
    [ -f "$DIR/slapd.pid" ] && kill "$(cat "$DIR/slapd.pid")" 2>/dev/null || true
    sleep 0.3; rm -rf "$DIR"
    ;;
  pause)
    DIR=${2:?}
    kill "$(cat "$DIR/slapd.pid")"
    for i in $(seq 1 50); do [ -f "$DIR/slapd.pid" ] && kill -0 "$(cat "$DIR/slapd.pid")" 2>/dev/null || break; sleep 0.1; done
    ;;
  resume)
    DIR=${2:?}
    /usr/sbin/slapd -f "$DIR/slapd.conf" -h "ldap://127.0.0.1:$(cat "$DIR/port")/"
    for i in $(seq 1 50); do ldapsearch -x -H "ldap://127.0.0.1:$(cat "$DIR/port")" -b "" -s base >/dev/null 2>&1 && break; sleep 0.1; done
    ;;
  *)
    echo "usage: slapd.sh install | start DOMAIN | stop DIR | pause DIR | resume DIR" >&2
    exit 2
    ;;
esac
