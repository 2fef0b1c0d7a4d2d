#!/usr/bin/env bash
# A throwaway OpenLDAP directory for the tests: Debian's slapd on a loopback port, with the suffix of a DNS name,
# a service account and users (uid, inetOrgPerson) with passwords. Usage:
#   eval "$(bash tests/ldap/slapd.sh start corp.example.com)"   # exports LDAP_PORT, LDAP_DIR
#   bash tests/ldap/slapd.sh stop "$LDAP_DIR" | pause "$LDAP_DIR" | resume "$LDAP_DIR"
# The service account is cn=svc (password svc-password); users alice, bob, carol (password <name>-ldap-pw).
# With LDAP_TLS_CERT and LDAP_TLS_KEY (PEM files; LDAP_TLS_CA: the CA that signed the certificate) it serves TLS
# too: StartTLS on LDAP_PORT, LDAPS on LDAPS_PORT (also exported), and it refuses every operation made without TLS.
set -euo pipefail

# ldapsearch/ldapadd as this directory needs them: over StartTLS, trusting its CA, when it serves TLS.
ldap_tool() {
  local tool=$1 dir=$2; shift 2
  if [ -f "$dir/ca.pem" ]; then
    LDAPTLS_CACERT="$dir/ca.pem" "$tool" -ZZ "$@"
  else
    "$tool" "$@"
  fi
}

wait_ready() {
  local dir=$1
  for i in $(seq 1 50); do
    ldap_tool ldapsearch "$dir" -x -H "ldap://127.0.0.1:$(cat "$dir/port")" -b "" -s base >/dev/null 2>&1 && break
    sleep 0.1
  done
}

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
    URLS="ldap://127.0.0.1:$PORT/"
    TLS=""
    if [ -n "${LDAP_TLS_CERT:-}" ]; then
      TLSPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
      URLS="$URLS ldaps://127.0.0.1:$TLSPORT/"
      cp "$LDAP_TLS_CA" "$DIR/ca.pem"
      TLS="TLSCertificateFile $LDAP_TLS_CERT
TLSCertificateKeyFile $LDAP_TLS_KEY
security tls=1"
    fi
    cat > "$DIR/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $DIR/slapd.pid
$TLS
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
    echo "$URLS" > "$DIR/urls"
    /usr/sbin/slapd -f "$DIR/slapd.conf" -h "$URLS"
    wait_ready "$DIR"
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
    } | ldap_tool ldapadd "$DIR" -x -H "ldap://127.0.0.1:$PORT" -D "cn=admin,$BASE" -w admin-password >/dev/null
    echo "export LDAP_DIR='$DIR' LDAP_PORT=$PORT LDAP_BASE='$BASE'${TLSPORT:+ LDAPS_PORT=$TLSPORT}"
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
    /usr/sbin/slapd -f "$DIR/slapd.conf" -h "$(cat "$DIR/urls")"
    wait_ready "$DIR"
    ;;
  *)
    echo "usage: slapd.sh install | start DOMAIN | stop DIR | pause DIR | resume DIR" >&2
    exit 2
    ;;
esac
