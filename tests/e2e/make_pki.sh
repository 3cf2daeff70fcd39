#!/bin/sh
# make_pki.sh DIR - the test PKI of the end-to-end test, made with the openssl CLI only.
#
#   root.pem          trusted root (the only file given to the clients and to tlsscope --ca)
#   int.pem           intermediate under root.pem; signs every leaf below unless noted
#   other-root.pem    a root nobody trusts; other-int.pem under it
#   *.key / *.pem     one ECDSA P-256 key and certificate per leaf:
#     good            SAN DNS:www.example.test
#     wild            SAN DNS:*.example.test
#     ip              SAN IP:127.0.0.1, DNS:www.example.test
#     cnonly          CN=www.example.test, no subjectAltName
#     selfsigned      self-signed, SAN DNS:www.example.test
#     other           under other-int.pem (unknown issuer / untrusted root), SAN DNS:www.example.test
#     expired         notBefore 2020-01-01, notAfter 2021-01-01 (openssl ca -startdate/-enddate)
#     notyet          notBefore 2090-01-01, notAfter 2091-01-01
#     clientauth      extendedKeyUsage clientAuth only
#     clientother     clientAuth only, under other-int.pem (a client CA the servers do not accept)
#     clientexpired   clientAuth only, notBefore 2020-01-01, notAfter 2021-01-01
#   chain-*.pem       what each server sends after its leaf (s_server -cert_chain)
#
# OpenSSL 3.0's `x509 -req` has no -not_before/-not_after, so the dated leaves go through `openssl ca`.
set -eu
D=$1
mkdir -p "$D"
cd "$D"
OPENSSL=${OPENSSL:-openssl}

key() { "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }

cat >ext.cnf <<'EOF'
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf_good]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:www.example.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf_wild]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:*.example.test
[leaf_ip]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:www.example.test
[leaf_cnonly]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
[leaf_clientauth]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:www.example.test
[selfsigned]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:www.example.test
subjectKeyIdentifier = hash

[ca]
default_ca = int_ca
[int_ca]
database = ./ca-index.txt
new_certs_dir = ./ca-new
serial = ./ca-serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
[policy_any]
commonName = supplied
organizationName = optional
EOF

# Roots and intermediates (10 years from now).
key root
"$OPENSSL" req -new -x509 -key root.key -sha256 -days 3650 -subj "/O=tlsscope e2e/CN=tlsscope e2e Root CA" \
	-config ext.cnf -extensions ca_ext -out root.pem
key int
"$OPENSSL" req -new -key int.key -subj "/O=tlsscope e2e/CN=tlsscope e2e Intermediate CA" -out int.csr
"$OPENSSL" x509 -req -in int.csr -CA root.pem -CAkey root.key -set_serial 0x1001 -sha256 -days 3650 \
	-extfile ext.cnf -extensions ca_ext -out int.pem 2>/dev/null
key other-root
"$OPENSSL" req -new -x509 -key other-root.key -sha256 -days 3650 \
	-subj "/O=tlsscope e2e other/CN=tlsscope e2e Untrusted Root CA" -config ext.cnf -extensions ca_ext -out other-root.pem
key other-int
"$OPENSSL" req -new -key other-int.key -subj "/O=tlsscope e2e other/CN=tlsscope e2e Untrusted Intermediate CA" \
	-out other-int.csr
"$OPENSSL" x509 -req -in other-int.csr -CA other-root.pem -CAkey other-root.key -set_serial 0x2001 -sha256 \
	-days 3650 -extfile ext.cnf -extensions ca_ext -out other-int.pem 2>/dev/null

# leaf NAME CN EXTSECTION [CA_CERT CA_KEY]: a leaf valid from now for 825 days.
serial=0x3001
leaf() {
	key "$1"
	"$OPENSSL" req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
	"$OPENSSL" x509 -req -in "$1.csr" -CA "${4:-int.pem}" -CAkey "${5:-int.key}" -set_serial $serial -sha256 \
		-days 825 -extfile ext.cnf -extensions "$3" -out "$1.pem" 2>/dev/null
	serial=$((serial + 1))
}
leaf good www.example.test leaf_good
leaf wild '*.example.test' leaf_wild
leaf ip www.example.test leaf_ip
leaf cnonly www.example.test leaf_cnonly
leaf clientauth www.example.test leaf_clientauth
leaf other www.example.test leaf_good other-int.pem other-int.key
leaf clientother www.example.test leaf_clientauth other-int.pem other-int.key

key selfsigned
"$OPENSSL" req -new -x509 -key selfsigned.key -sha256 -days 825 -subj "/CN=www.example.test" \
	-config ext.cnf -extensions selfsigned -out selfsigned.pem

# Dated leaves through `openssl ca` (the only 3.0 CLI path to an arbitrary notBefore/notAfter).
mkdir -p ca-new
: >ca-index.txt
echo 4001 >ca-serial
dated() {
	key "$1"
	"$OPENSSL" req -new -key "$1.key" -subj "/CN=www.example.test" -out "$1.csr"
	"$OPENSSL" ca -batch -config ext.cnf -cert int.pem -keyfile int.key -in "$1.csr" -out "$1.pem" \
		-startdate "$2" -enddate "$3" -extfile ext.cnf -extensions "${4:-leaf_good}" -notext 2>/dev/null
}
dated expired 20200101000000Z 20210101000000Z
dated notyet 20900101000000Z 20910101000000Z
dated clientexpired 20200101000000Z 20210101000000Z leaf_clientauth

cp int.pem chain-int.pem
cp other-int.pem chain-other.pem
cat other-int.pem other-root.pem >chain-other-root.pem
