#!/bin/sh
# extract.sh - write the certificates test_x509_cert reads as DER files,
# CAPTURE.N.der (N = position in the first Certificate message, leaf first),
# from the sample captures (pcaps/) and the public corpus (../shared/corpus/public).
# Regenerate after the captures change:
#   sh tests/unit/data/x509/extract.sh          (from anywhere; needs tshark and xxd)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pcaps="$here/../../../../pcaps"
corpus="$here/../../../../../shared/corpus/public"

# capture:positions. The expected facts in test_x509_cert.c were read off
# `openssl x509 -text`, `openssl x509 -serial -fingerprint -sha256` and tshark.
samples="01-tls12-good:0,1 04-tls12-long-chain:0 18-ip-in-san:0 19-cn-only:0 20-self-signed-leaf:0
27-sha1-signed-leaf:0 28-rsa1024-leaf:0 29-eku-client-auth-only:0 30-ca-cert-as-leaf:0"
public="zeek__x509-generalizedtime:0 zeek__ml-dsa-44-cert:0 nDPI__tls_verylong_certificate:0
zeek__ecdsa-cert:0 suricata-verify__tls-cert-noissuer__tls:0 zeek__cert-no-cn:0"

extract() { # dir name positions
	hex=$(tshark -r "$1/$2.pcap" -Y tls.handshake.certificate -T fields \
		-e tls.handshake.certificate 2>/dev/null | head -n 1)
	if [ -z "$hex" ]; then
		echo "$2: no certificate in the capture" >&2
		exit 1
	fi
	i=0
	for h in $(echo "$hex" | tr ',' ' '); do
		case ",$3," in *",$i,"*) echo "$h" | xxd -r -p > "$here/$2.$i.der" ;; esac
		i=$((i + 1))
	done
}

rm -f "$here"/*.der
for s in $samples; do extract "$pcaps" "${s%%:*}" "${s#*:}"; done
for s in $public; do extract "$corpus" "${s%%:*}" "${s#*:}"; done
