#!/usr/bin/env bash
# How long the installed kiosk takes from `systemctl --user start` to its
# first screen, and to come back after a crash (the unit's Restart=on-failure).
#
# Needs the installed package (/usr/bin/onboard-kiosk), a running systemd user
# manager (`systemctl --user`), a display and a D-Bus session bus with a
# Secret Service (a desktop session, or Xvfb with tests/with-keyring.sh).
# The kiosk logs "the window shows its first screen" once per start, when its
# window asks for the first screen's status; that line is the finish.
#
#   bash tests/autostart-timing.sh [RUNS]     (default 5)
set -euo pipefail
runs="${1:-5}"
unit=onboard-kiosk.service

command -v kioskctl >/dev/null || { echo "install the package first (kioskctl is not on the PATH)" >&2; exit 2; }
systemctl --user is-system-running >/dev/null 2>&1 || [ "$(systemctl --user is-system-running 2>/dev/null)" = degraded ] \
  || { echo "no systemd user manager answers (systemctl --user)" >&2; exit 2; }

logs="$(mktemp -d)"
data="$(mktemp -d)"
cleanup() {
  systemctl --user stop "$unit" >/dev/null 2>&1 || true
  kioskctl remove-autostart >/dev/null 2>&1 || true
  systemctl --user unset-environment KIOSK_LOG_DIR KIOSK_DATA_DIR >/dev/null 2>&1 || true
  rm -rf "$logs" "$data"
}
trap cleanup EXIT

# The service runs in the user manager's environment: give it the display,
# the session bus and folders of this run's own.
systemctl --user import-environment DISPLAY XAUTHORITY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS XDG_DATA_HOME XDG_RUNTIME_DIR 2>/dev/null || true
systemctl --user set-environment KIOSK_LOG_DIR="$logs" KIOSK_DATA_DIR="$data"
kioskctl install-autostart

shown() { cat "$logs"/kiosk.log* 2>/dev/null | grep -c "the window shows its first screen" || true; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
wait_shown() { # until the count of first screens passes $1; prints the time
  local deadline=$(( $(now_ms) + 60000 ))
  while [ "$(shown)" -le "$1" ]; do
    [ "$(now_ms)" -lt "$deadline" ] || { echo "no first screen within 60 s" >&2; systemctl --user status "$unit" >&2 || true; exit 1; }
    sleep 0.02
  done
  now_ms
}

times=()
for i in $(seq 1 "$runs"); do
  before="$(shown)"
  t0="$(now_ms)"
  systemctl --user start "$unit"
  t1="$(wait_shown "$before")"
  times+=($(( t1 - t0 )))
  printf 'start %d: %d ms to the first screen\n' "$i" "$(( t1 - t0 ))"
  systemctl --user stop "$unit"
done
median="$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
printf 'metric: systemctl --user start to the first screen: median %d ms over %d starts (%s)\n' \
  "$median" "$runs" "${times[*]}"

# A crash (an abort, as a failed assertion in a library would end it): the
# manager starts the kiosk again after RestartSec.
before="$(shown)"
systemctl --user start "$unit"
wait_shown "$before" >/dev/null
before="$(shown)"
pid="$(systemctl --user show -p MainPID --value "$unit")"
t0="$(now_ms)"
kill -ABRT "$pid"
t1="$(wait_shown "$before")"
restarts="$(systemctl --user show -p NRestarts --value "$unit")"
printf 'metric: after a crash (SIGABRT) the first screen is back in %d ms (restarts counted by systemd: %s)\n' \
  "$(( t1 - t0 ))" "$restarts"
