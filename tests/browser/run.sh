#!/usr/bin/env bash
# Browser test of report.html, kept out of `cargo test` so the README's test command needs no
# browser. Builds the release binary, runs the book scenario into a temporary folder, opens
# report.html?selftest=1 from disk in headless Chromium (Debian's package, installed when missing),
# and requires the page's own self-test to pass: the stepper moves with "next" and the slider,
# "first" returns, and no script error was raised. Then it takes a 1280x720 screenshot. Then the
# network page of scenarios/routing/book.toml, in both languages, at step 29.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
cargo build --release --locked --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./target/release/paychan run scenarios/emma-fabian.toml --out "$work/out" --quiet
page="file://$work/out/emma-fabian/report.html?selftest=1"
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
       --disable-sync --no-first-run --hide-scrollbars --virtual-time-budget=5000)
chromium "${flags[@]}" --user-data-dir="$work/profile1" --dump-dom "$page" 2>"$work/chromium.log" >"$work/dom.html"
verdict=$(sed -n 's/.*<pre id="selftest">\([^<]*\)<\/pre>.*/\1/p' "$work/dom.html" | tr '\n' ' ')
if ! grep -q 'SELFTEST PASS' "$work/dom.html"; then
  echo "browser test: report.html self-test did not pass: ${verdict:-no verdict in the DOM}"
  tail -20 "$work/chromium.log"
  exit 1
fi
shot=${PAYCHAN_SCREENSHOT:-$work/report.png}
chromium "${flags[@]}" --user-data-dir="$work/profile2" --window-size=1280,720 --screenshot="$shot" \
  "file://$work/out/emma-fabian/report.html" >/dev/null 2>&1
test -s "$shot"
echo "browser test: report.html loads from disk, the stepper moves, no script errors (screenshot $shot)"
# The network page (scenarios/routing/book.toml) in both languages: its script runs from disk and
# shows step 29, where Eric gives Diana R, with every channel's balances.
for lang in en zh; do
  ./target/release/paychan run scenarios/routing/book.toml --out "$work/net-$lang" --lang "$lang" --quiet
  chromium "${flags[@]}" --user-data-dir="$work/profile-$lang" --dump-dom \
    "file://$work/net-$lang/book-routing/report.html#step=29" 2>>"$work/chromium.log" >"$work/net-$lang.html"
  if [ "$lang" = en ]; then want=("step 29 of 48" "knows R: Eric, Diana" "Alice 0.997 BTC" "Diana 1 BTC"); else
    want=("第 29 步，共 48 步" "知道 R：Eric、Diana" "Alice 0.997 BTC" "Diana 1 BTC"); fi
  for w in "${want[@]}"; do
    if ! grep -qF "$w" "$work/net-$lang.html"; then
      echo "browser test: the $lang network page does not show \"$w\" at step 29"
      tail -20 "$work/chromium.log"
      exit 1
    fi
  done
done
echo "browser test: the network page's stepper shows step 29 in English and Chinese"
echo "2 passed, 0 failed"
