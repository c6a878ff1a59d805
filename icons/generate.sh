#!/usr/bin/env bash
# Regenerates every icon size Tauri needs from icons/icon.svg (the one source drawing).
# Needs: rsvg-convert (librsvg2-bin), ImageMagick (convert), png2icns (icnsutils).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/icon.svg"
png() { rsvg-convert --width "$1" --height "$1" --format png "$src" --output "$2"; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

png 32 "$here/32x32.png"
png 128 "$here/128x128.png"
png 256 "$here/128x128@2x.png"
png 512 "$here/icon.png"
# Windows Store logos, referenced by MSIX packaging.
for s in 30 44 71 89 107 142 150 284 310; do png "$s" "$here/Square${s}x${s}Logo.png"; done
png 50 "$here/StoreLogo.png"

# Windows: one .ico holding the sizes Explorer and the taskbar ask for.
for s in 16 24 32 48 64 256; do png "$s" "$tmp/ico-$s.png"; done
convert "$tmp"/ico-16.png "$tmp"/ico-24.png "$tmp"/ico-32.png "$tmp"/ico-48.png "$tmp"/ico-64.png "$tmp"/ico-256.png "$here/icon.ico"

# macOS: .icns from the sizes png2icns understands.
for s in 16 32 128 256 512; do png "$s" "$tmp/icns-$s.png"; done
png2icns "$here/icon.icns" "$tmp"/icns-16.png "$tmp"/icns-32.png "$tmp"/icns-128.png "$tmp"/icns-256.png "$tmp"/icns-512.png >/dev/null

# Tauri requires RGBA PNGs; fail loudly if a tool ever produced something else.
for f in "$here"/*.png; do
  kind="$(identify -format '%[channels]' "$f")"
  case "$kind" in srgba|rgba) ;; *) echo "error: $f is $kind, not RGBA" >&2; exit 1 ;; esac
done
echo "icons regenerated in $here"
