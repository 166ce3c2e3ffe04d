#!/usr/bin/env bash
# Install the system packages the test suite needs, only those that are missing.
# Idempotent; needs root (apt-get). Runs `apt-get update` at most once per call.
#   postgresql         real database server for the storage tests
#   chromium(+driver)  headless browser for the browser tests
#   fonts, pango       WeasyPrint (patient report PDF) and screenshots
#   poppler-utils      pdftotext/pdftoppm to inspect generated PDFs
#   default-jre-headless  PySpark local mode (cohort tests), only when `java` is absent
set -euo pipefail

want=(postgresql chromium chromium-driver fonts-dejavu-core fonts-liberation2
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils)
command -v java >/dev/null 2>&1 || want+=(default-jre-headless)

missing=()
for pkg in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup-system: all system packages present"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "setup-system: missing ${missing[*]}; run as root to install them" >&2
    exit 1
fi

echo "setup-system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup-system: done"
