#!/usr/bin/env bash
# The kiosk as IT installs it: build the .deb (from the debug build the tests
# made), install it with apt, run the installed kiosk under Xvfb through
# WebDriver with an organisation file, and uninstall it
# (tests/tests/installed.rs), and run it as the only program of a cage session
# (tests/src/cage.rs). Needs root or sudo: it installs into this machine, and
# the cage session runs as a plain account it creates (cage refuses root).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

./kiosk-dev package --debug
deb="$(ls -t "$CARGO_TARGET_DIR"/debug/bundle/deb/*.deb | head -1)"
rpm="$(ls -t "$CARGO_TARGET_DIR"/debug/bundle/rpm/*.rpm | head -1)"
printf 'metric: package sizes (debug build): deb %s bytes, rpm %s bytes\n' "$(stat -c %s "$deb")" "$(stat -c %s "$rpm")"
echo "installing $deb"
sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
dpkg -s onboard-kiosk | grep -E '^(Version|Depends):'
# The test removes the package itself (that is part of what it checks); if it
# fails before, remove it here so the machine is left as it was.
trap 'sudo_ env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq onboard-kiosk >/dev/null 2>&1 || true' EXIT
id -u onboard-kiosk-session >/dev/null 2>&1 ||
  sudo_ useradd --create-home --shell /usr/sbin/nologin onboard-kiosk-session
KIOSK_APP_BIN=/usr/bin/onboard-kiosk KIOSKCTL_BIN=/usr/bin/kioskctl \
  cargo test --workspace --all-features --locked --test installed -- --ignored --test-threads=1 --nocapture
