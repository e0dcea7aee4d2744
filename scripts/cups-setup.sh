#!/bin/sh
# Set up a local CUPS spooler with the "BadgePDF" queue that writes each badge job as a PDF.
# Idempotent; runs as root; needs no systemd. Prints the cups-pdf output directory last.
# Needs: apt-get install -y cups printer-driver-cups-pdf poppler-utils
set -eu

QUEUE="${BADGE_QUEUE:-BadgePDF}"
OUT_DIR="${CUPS_PDF_OUT:-/var/spool/cups-pdf/out}"
CONF=/etc/cups/cups-pdf.conf
PPD=/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd

die() { echo "cups-setup: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run me as root."
command -v cupsd >/dev/null 2>&1 || die "cupsd not found; apt-get install -y cups printer-driver-cups-pdf."
[ -f "$CONF" ] && [ -f "$PPD" ] || die "cups-pdf is not installed; apt-get install -y printer-driver-cups-pdf."

# cups-pdf reads its configuration for every job, so these take effect without a restart.
set_conf() {  # set_conf KEY VALUE: replace the (possibly commented) KEY line, or append it
    if grep -Eq "^[#[:space:]]*$1[[:space:]]" "$CONF"; then
        sed -i -E "0,/^[#[:space:]]*$1[[:space:]].*/s||$1 $2|" "$CONF"
    else
        printf '%s %s\n' "$1" "$2" >>"$CONF"
    fi
}
set_conf Out "$OUT_DIR"
set_conf AnonDirName "$OUT_DIR"
set_conf Label 1          # file names start with job_<id>- so a job's output can be found
set_conf TitlePref 1      # the title given with lp -t names the file
set_conf UserUMask 0022
mkdir -p "$OUT_DIR"
chmod 1777 "$OUT_DIR"

if ! lpstat -r 2>/dev/null | grep -q "is running"; then
    mkdir -p /run/cups
    cupsd
fi
i=0
until lpstat -r 2>/dev/null | grep -q "is running"; do
    i=$((i + 1))
    [ "$i" -le 50 ] || die "cupsd did not start within 10 seconds (see /var/log/cups/error_log)."
    sleep 0.2
done

if ! lpstat -p "$QUEUE" >/dev/null 2>&1; then
    # lpadmin warns that printer drivers are deprecated; the queue works.
    lpadmin -p "$QUEUE" -v cups-pdf:/ -E -P "$PPD" 2>/dev/null
fi
cupsenable "$QUEUE" 2>/dev/null || true
cupsaccept "$QUEUE" 2>/dev/null || true
lpstat -p "$QUEUE" >/dev/null 2>&1 || die "queue $QUEUE could not be created."

echo "$OUT_DIR"
