#!/usr/bin/env bash
# Install what tlsscope needs to build and test, from Debian's packages.
# Idempotent: packages already present are skipped; run as root (or with sudo).
set -euo pipefail

packages=(build-essential cmake pkg-config libpcap-dev libssl-dev libsqlite3-dev libjansson-dev openssl ca-certificates python3 python3-jsonschema
	clang libclang-rt-14-dev clang-format cppcheck # clang-format: the format.check test; cppcheck: its test (issue 17)
	tcpdump curl nodejs gnutls-bin # gnutls-bin: gnutls-cli, a client of e2e.client_software (issue 10)
	libncurses-dev tmux
	chromium chromium-driver python3-selenium
	python3-cryptography # AES for the generated QUIC Initials of cli.quic_variants
	ngtcp2-client ngtcp2-server tshark # tshark: the oracle of the JA3/JA3S and QUIC tests; DEBIAN_FRONTEND below keeps wireshark-common from asking about capture rights
	lintian zsh man-db groff-base debootstrap # the install.* tests: lintian, zsh completion, man -l, a clean root
	openvpn) # tests/wild/make_captures.py: the real OpenVPN tunnels of cli.wild_openvpn's captures (issue 14)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
