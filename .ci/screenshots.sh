#!/usr/bin/env bash
# Screenshots of a report as a planner sees it: headless Chromium at 1400 px (desktop) and 420 px
# (phone), full page, and the A4 PDF it prints. Usage: .ci/screenshots.sh REPORT.html OUT_DIR
# Needs Debian's `chromium` (`apt-get install chromium`). The report loads nothing from the
# network; Chromium runs with networking off anyway.
set -euo pipefail
report=$(realpath "$1")
out=${2:-screenshots}
mkdir -p "$out"
out=$(realpath "$out")
chrome() {
    chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --disable-background-networking --proxy-server='127.0.0.1:9' --proxy-bypass-list='<-loopback>' \
        --user-data-dir="$(mktemp -d)" "$@" "file://$report" 2>/dev/null
}
# A tall window takes the whole page; Chromium's screenshot is the window.
chrome --window-size=1400,6000 --screenshot="$out/report-1400.png"
chrome --window-size=420,9000 --screenshot="$out/report-420.png"
chrome --no-pdf-header-footer --print-to-pdf="$out/report.pdf"
ls -l "$out"
