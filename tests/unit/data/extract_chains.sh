#!/bin/sh
# extract_chains.sh - write the server certificates of the sample captures as
# DER files, chains/NN-name/N.der (N = position in the first Certificate
# message, leaf first), for test_trust. Regenerate after the captures change:
#   sh tests/unit/data/extract_chains.sh          (from anywhere; needs tshark and xxd)
# See chains/README.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pcaps="$here/../../../pcaps"
out="$here/chains"

# The captures whose certificates the trust tests use: the good chains and the
# chain-diagnosis cases (see pcaps/MANIFEST.tsv).
names="01-tls12-good 04-tls12-long-chain 18-ip-in-san
20-self-signed-leaf 21-self-signed-root-in-chain 22-unknown-issuer 23-missing-intermediate
24-expired-leaf 25-not-yet-valid-leaf 26-chain-order-wrong 27-sha1-signed-leaf 28-rsa1024-leaf
29-eku-client-auth-only 30-ca-cert-as-leaf"

mkdir -p "$out"
for n in $names; do
	rm -rf "${out:?}/$n"
	mkdir -p "$out/$n"
	# The first Certificate message of the capture: hex DERs, comma-separated.
	hex=$(tshark -r "$pcaps/$n.pcap" -Y tls.handshake.certificate -T fields \
		-e tls.handshake.certificate 2>/dev/null | head -n 1)
	if [ -z "$hex" ]; then
		echo "$n: no certificate in the capture" >&2
		exit 1
	fi
	i=0
	for h in $(echo "$hex" | tr ',' ' '); do
		echo "$h" | xxd -r -p > "$out/$n/$i.der"
		i=$((i + 1))
	done
done
