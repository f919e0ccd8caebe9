#!/usr/bin/env bash
# Makes the test certificates of the diagnose goldens (see README.md). Test keys only: public on purpose.
# Dates are fixed (openssl ca -startdate/-enddate), so the certificates are expired, expiring or not yet
# valid relative to the goldens' clock, 2026-01-01T00:00:00Z, whenever they are regenerated.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
touch "$work/index.txt"
echo 1000 > "$work/serial"
cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $work/index.txt
serial = $work/serial
new_certs_dir = $work
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
[any]
commonName = supplied
[root]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
[intermediate]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
CNF

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }
# sign NAME CN SANS START END EXTENSIONS ISSUER(empty: self-signed)
sign() {
  local name=$1 cn=$2 sans=$3 start=$4 end=$5 ext=$6 issuer=${7:-}
  local addext=()
  [ -n "$sans" ] && addext=(-addext "subjectAltName=$sans")
  openssl req -new -key "$name.key" -subj "/CN=$cn" "${addext[@]}" -out "$work/$name.csr"
  if [ -z "$issuer" ]; then
    openssl ca -batch -config "$work/ca.cnf" -selfsign -keyfile "$name.key" -in "$work/$name.csr" -out "$work/$name.pem" -startdate "$start" -enddate "$end" -extensions "$ext" 2>/dev/null
  else
    openssl ca -batch -config "$work/ca.cnf" -cert "$issuer.crt" -keyfile "$issuer.key" -in "$work/$name.csr" -out "$work/$name.pem" -startdate "$start" -enddate "$end" -extensions "$ext" 2>/dev/null
  fi
  openssl x509 -in "$work/$name.pem" -out "$name.crt"
}

key ca;           sign ca "Diagnose Test Root CA" "" 20200101000000Z 20400101000000Z root
key intermediate; sign intermediate "Diagnose Test Intermediate CA" "" 20200101000000Z 20400101000000Z intermediate ca
key www;          sign www "www.example.com" "DNS:www.example.com,DNS:example.com" 20250101000000Z 20270101000000Z leaf intermediate
key expired;      sign expired "www.example.com" "DNS:www.example.com" 20240101000000Z 20250601000000Z leaf ca
key expiring;     sign expiring "www.example.com" "DNS:www.example.com" 20250101000000Z 20260110000000Z leaf ca
key notyet;       sign notyet "www.example.com" "DNS:www.example.com" 20260601000000Z 20280101000000Z leaf ca
key expired-ca;   sign expired-ca "Diagnose Expired CA" "" 20200101000000Z 20251201000000Z root
key other
