#!/usr/bin/env bash
# Runs a command with a real, unlocked Secret Service (gnome-keyring) on the current
# D-Bus session, in throwaway data folders so no real keychain is touched.
set -euo pipefail
export XDG_DATA_HOME="$(mktemp -d)" XDG_RUNTIME_DIR="$(mktemp -d)"
chmod 700 "$XDG_RUNTIME_DIR"
echo -n "kiosk-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
exec "$@"
