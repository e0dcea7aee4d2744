#!/usr/bin/env bash
# Prints deploy/nginx/kiosk.conf with its @PLACEHOLDERS@ filled in (see the top of that file).
#
#   deploy/nginx/render.sh --server-name NAME [--server-name IP …] [--app-dir DIR] [--upstream HOST:PORT]
#       [--certificate FILE] [--certificate-key FILE] [--https-port N] [--http-port N]
#       [--max-body-size SIZE] [--env-file FILE] [--access-log FILE] > /etc/nginx/sites-available/kiosk
#
# Defaults: --app-dir /srv/kiosk, --upstream 127.0.0.1:8000, --certificate /etc/kiosk/tls/server.crt,
# --certificate-key /etc/kiosk/tls/server.key, ports 443 and 80, --access-log
# /var/log/nginx/kiosk.access.log. --max-body-size defaults to 1 MiB above the app's largest request,
# computed from IMPORT_MAX_BYTES in the environment or in --env-file (default /etc/kiosk/env).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
names=()
app_dir=/srv/kiosk
upstream=127.0.0.1:8000
certificate=/etc/kiosk/tls/server.crt
certificate_key=/etc/kiosk/tls/server.key
https_port=443
http_port=80
max_body_size=
env_file=/etc/kiosk/env
access_log=/var/log/nginx/kiosk.access.log

usage() {
  sed -n '4,6p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case "$1" in
    --server-name) names+=("$2") ;;
    --app-dir) app_dir=${2%/} ;;
    --upstream) upstream=$2 ;;
    --certificate) certificate=$2 ;;
    --certificate-key) certificate_key=$2 ;;
    --https-port) https_port=$2 ;;
    --http-port) http_port=$2 ;;
    --max-body-size) max_body_size=$2 ;;
    --env-file) env_file=$2 ;;
    --access-log) access_log=$2 ;;
    *) echo "Unknown option $1" >&2; usage ;;
  esac
  shift 2
done
[ ${#names[@]} -ge 1 ] || { echo "Give at least one --server-name (the name in the certificate)." >&2; exit 2; }
for value in "${names[@]}" "$app_dir" "$upstream" "$certificate" "$certificate_key" "$https_port" \
  "$http_port" "$max_body_size" "$access_log"; do
  if [[ $value =~ [[:space:]\;\{\}\'\"\$\|\\] ]]; then
    echo "Refusing a value nginx would misread (spaces, quotes, ; { } \$ | \\): $value" >&2
    exit 2
  fi
done
[[ $https_port =~ ^[0-9]+$ && $http_port =~ ^[0-9]+$ ]] || { echo "Ports are numbers." >&2; exit 2; }
[ -d "$app_dir/static" ] || echo "Warning: $app_dir/static does not exist (yet)." >&2

if [ -z "$max_body_size" ]; then
  # The app accepts max(8 MiB, IMPORT_MAX_BYTES + 1 MiB) (kiosk/__init__.py); nginx 1 MiB more.
  import_max=${IMPORT_MAX_BYTES:-}
  if [ -z "$import_max" ] && [ -r "$env_file" ]; then
    import_max=$(sed -n 's/^[[:space:]]*\(export[[:space:]]\+\)\{0,1\}IMPORT_MAX_BYTES=["'\'']\{0,1\}\([0-9]\+\).*/\2/p' "$env_file" | tail -1)
  fi
  import_max=${import_max:-10485760}
  app_max=$((import_max + 1048576))
  [ "$app_max" -ge 8388608 ] || app_max=8388608
  max_body_size=$(((app_max + 1048576 + 1023) / 1024))k
fi

public_host=${names[0]}
[ "$https_port" = 443 ] || public_host="$public_host:$https_port"

sed -e "s|@SERVER_NAMES@|${names[*]}|g" \
  -e "s|@PUBLIC_HOST@|$public_host|g" \
  -e "s|@APP_DIR@|$app_dir|g" \
  -e "s|@UPSTREAM@|$upstream|g" \
  -e "s|@CERTIFICATE@|$certificate|g" \
  -e "s|@CERTIFICATE_KEY@|$certificate_key|g" \
  -e "s|@HTTPS_PORT@|$https_port|g" \
  -e "s|@HTTP_PORT@|$http_port|g" \
  -e "s|@MAX_BODY_SIZE@|$max_body_size|g" \
  -e "s|@ACCESS_LOG@|$access_log|g" \
  "$here/kiosk.conf"
