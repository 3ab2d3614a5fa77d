#!/usr/bin/env bash
# Development certificates for the mutual TLS between ClusterLB nodes, made with openssl:
#
#   dev-certs.sh DIR ca                       a CA in DIR/ca.pem and DIR/ca.key, unless one is there
#   dev-certs.sh DIR node NAME SAN...         DIR/NAME.pem and DIR/NAME.key issued by that CA, unless there;
#                                             SAN like IP:127.0.0.1 or DNS:node-1
#
# Keys are mode 600. For development and tests only: a production CA key does not sit beside the nodes
# (docs/operations.md, "Node certificates").
set -euo pipefail

die() { echo "dev-certs.sh: $*" >&2; exit 2; }
[ $# -ge 2 ] || die "usage: dev-certs.sh DIR ca | dev-certs.sh DIR node NAME SAN..."
command -v openssl >/dev/null 2>&1 || die "openssl is needed (Debian: apt-get install openssl)"
dir=$1 what=$2; shift 2
mkdir -p "$dir"
umask 077

case "$what" in
  ca)
    [ -s "$dir/ca.pem" ] && [ -s "$dir/ca.key" ] && exit 0
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 825 \
      -subj "/CN=ClusterLB development CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null || die "could not create the CA in $dir"
    chmod 644 "$dir/ca.pem"
    ;;
  node)
    [ $# -ge 2 ] || die "usage: dev-certs.sh DIR node NAME SAN..."
    name=$1; shift
    [ -s "$dir/ca.pem" ] && [ -s "$dir/ca.key" ] || die "no CA in $dir (dev-certs.sh $dir ca)"
    [ -s "$dir/$name.pem" ] && [ -s "$dir/$name.key" ] && exit 0
    sans=$(IFS=,; echo "$*")
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -subj "/CN=$name" \
      -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null || die "could not make a key for $name"
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' "$sans" >"$dir/$name.ext"
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
      -days 397 -sha256 -extfile "$dir/$name.ext" -out "$dir/$name.pem" 2>/dev/null || die "could not issue the certificate of $name"
    rm -f "$dir/$name.csr" "$dir/$name.ext"
    chmod 644 "$dir/$name.pem"
    ;;
  *) die "usage: dev-certs.sh DIR ca | dev-certs.sh DIR node NAME SAN..." ;;
esac
