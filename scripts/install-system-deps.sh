#!/usr/bin/env bash
# Installs the Debian packages the test suite and a venue server need, if any is missing. Idempotent.
# Checked on Debian 12 (bookworm), amd64: Chromium 156, CUPS 2.4.2, poppler 22.12, Noto fonts, Pango 1.50.12,
# nginx 1.22 (Debian updates them within the release; the tests check behaviour, not versions).
set -euo pipefail
packages=(cups printer-driver-cups-pdf poppler-utils chromium fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji libfribidi0 gettext
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0  # these three: WeasyPrint (List of participants)
  nginx openssl libnss3-tools)  # the HTTPS proxy and its venue CA (deploy/); certutil: Chromium trusting it in tests
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}. Install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} …"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
