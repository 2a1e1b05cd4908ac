#!/usr/bin/env bash
# Debian packages the hall needs and pip cannot provide: a CJK font and HarfBuzz's subsetter for
# PDFs with Chinese text (weasyprint: ~0.14 s a page instead of ~8 s), Chromium for browser tests.
# Quick when everything is present; installs only as root with apt-get; otherwise says what is missing.
set -euo pipefail
missing=()
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || missing+=(libharfbuzz-subset0)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)  # the outage tests start their own
command -v pdffonts >/dev/null 2>&1 || missing+=(poppler-utils)  # pdffonts, pdftoppm: the PDF font test, docs/documents.md images
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "system-deps: installing ${missing[*]} (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig >/dev/null
  fc-cache -f >/dev/null 2>&1 || true
else
  echo "system-deps: missing ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
  echo "system-deps: PDFs fall back to slow font subsetting and browser tests are skipped until then." >&2
fi
