#!/usr/bin/env bash
# A small certificate authority for one venue, and the venue server's certificate signed by it.
#
#   deploy/make-venue-ca.sh [-d DIR] [--no-name-constraints] HOSTNAME [IP ...]
#
# The first run in DIR (default ./venue-ca) makes the CA:
#   DIR/ca.key   the CA's private key (owner-only): keep it off the server, on a USB key in a safe
#   DIR/ca.crt   the CA's certificate (PEM): install it on every door phone, tablet and kiosk
#   DIR/ca.cer   the same certificate in DER, for devices that want that form
#   DIR/ca.names the names the CA may vouch for (see below)
# Every run then makes a server key and certificate for HOSTNAME (and the IP addresses given):
#   DIR/HOSTNAME.key  (owner-only)   DIR/HOSTNAME.crt   -> /etc/kiosk/tls/server.key and server.crt
#
# The CA is limited to the names and addresses given when it is made (X.509 name constraints,
# checked by Chromium, Android, iOS and OpenSSL): a device that trusts it trusts it for this venue
# server only, even if its key leaks. Later runs refuse names outside that list; make a new CA
# (another DIR) for another server name. --no-name-constraints makes an unlimited CA.
# Server certificates last 397 days (Apple's platforms refuse longer ones), the CA 3 years.
# Needs only openssl. Checked with OpenSSL 3.0 (Debian 12).
set -euo pipefail

usage() {
  sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

dir=venue-ca
constrained=1
while [ $# -gt 0 ]; do
  case "$1" in
    -d) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
    --no-name-constraints) constrained=0; shift ;;
    -h|--help) usage ;;
    -*) echo "Unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || usage
host=$1
shift
ips=("$@")

if ! [[ $host =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] || [[ $host =~ ^[0-9.]+$ ]]; then
  echo "HOSTNAME must be a DNS name such as kiosk.venue.lan (give IP addresses after it): $host" >&2
  exit 2
fi
for ip in "${ips[@]}"; do
  if ! [[ $ip =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}$ ]]; then
    echo "Not an IPv4 address: $ip" >&2
    exit 2
  fi
done

umask 077
mkdir -p "$dir"

if [ ! -f "$dir/ca.key" ]; then
  names=("DNS:$host")
  for ip in "${ips[@]}"; do names+=("IP:$ip"); done
  extensions=(-addext "basicConstraints=critical,CA:TRUE,pathlen:0"
    -addext "keyUsage=critical,keyCertSign,cRLSign")
  if [ "$constrained" = 1 ]; then
    constraints=""
    for name in "${names[@]}"; do
      case "$name" in
        IP:*) constraints+=",permitted;$name/255.255.255.255" ;;
        *) constraints+=",permitted;$name" ;;
      esac
    done
    extensions+=(-addext "nameConstraints=critical${constraints}")
    printf '%s\n' "${names[@]}" >"$dir/ca.names"
  else
    echo "*" >"$dir/ca.names"
  fi
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca.key" 2>/dev/null
  openssl req -x509 -new -sha256 -key "$dir/ca.key" -days 1095 \
    -subj "/O=Venue accreditation/CN=Venue CA for $host ($(date -u +%Y-%m-%d))" \
    "${extensions[@]}" -out "$dir/ca.crt"
  openssl x509 -in "$dir/ca.crt" -outform DER -out "$dir/ca.cer"
  chmod 644 "$dir/ca.crt" "$dir/ca.cer" "$dir/ca.names"
  echo "Made the venue CA: $dir/ca.crt (install it on the devices), $dir/ca.key (keep it safe)." >&2
fi

if ! grep -qx '\*' "$dir/ca.names"; then
  for name in "DNS:$host" "${ips[@]/#/IP:}"; do
    if ! grep -qxF "$name" "$dir/ca.names"; then
      echo "This CA may vouch only for: $(tr '\n' ' ' <"$dir/ca.names")— not $name. Use another -d DIR for a new CA." >&2
      exit 1
    fi
  done
fi

san="DNS:$host"
for ip in "${ips[@]}"; do san+=",IP:$ip"; done
extfile=$(mktemp)
trap 'rm -f "$extfile" "$dir/$host.csr"' EXIT
cat >"$extfile" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$san
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$host.key" 2>/dev/null
openssl req -new -sha256 -key "$dir/$host.key" -subj "/CN=$host" -out "$dir/$host.csr"
openssl x509 -req -sha256 -in "$dir/$host.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
  -CAcreateserial -days 397 -extfile "$extfile" -out "$dir/$host.crt" 2>/dev/null
chmod 644 "$dir/$host.crt"
openssl verify -CAfile "$dir/ca.crt" "$dir/$host.crt" >/dev/null
echo "Made $dir/$host.crt and $dir/$host.key for $san, valid 397 days." >&2
