#!/usr/bin/env bash
# What the portal needs beyond Python: Pango (WeasyPrint), fonts with Vietnamese glyphs,
# gettext (compiled translations) and, with --browser, what the tests use: Chromium,
# poppler-utils (pdftotext, to read the PDFs) and npm (to install axe-core); with --bench,
# what make bench uses: wrk and PostgreSQL's client tools. Installed
# with apt-get when we are root; otherwise named in a clear error.
set -euo pipefail

need=()
dpkg -s libpango-1.0-0 >/dev/null 2>&1 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || need+=(fonts-dejavu-core)
dpkg -s fonts-liberation >/dev/null 2>&1 || need+=(fonts-liberation)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
if [ "${1:-}" = "--browser" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  # The tests read the PDFs the portal issues with pdftotext and pdffonts.
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
  # npm installs axe-core, the accessibility check the browser tests inject into pages.
  command -v npm >/dev/null 2>&1 || need+=(npm)
fi

if [ "${1:-}" = "--bench" ]; then
  # make bench drives the portal with wrk, and its backups use PostgreSQL's client tools.
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
  command -v pg_dump >/dev/null 2>&1 || need+=(postgresql-client)
fi

[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${need[*]}. Install them with your package manager." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${need[*]}." >&2
  echo "Install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
