#!/usr/bin/env bash
# The harness page in a real browser (`make test` runs it after the bindings tests):
# `tingshuo harness serve` on a free loopback port, driven in headless Debian Chromium by
# Playwright (npm playwright-core, which downloads no browser) and checked by axe-core (npm):
# a typed transfer to its read-back, step-up and payment; a WAV upload recognized; a command
# spoken through the page's microphone (Chromium's fake capture device plays a WAV file); a bad
# upload refused clearly; the bank switched offline and what the assistant says then;
# keyboard-only operation (Tab reaches every control, each named); no axe-core violation on the
# page (English and Mandarin), nor on a scenario runner's report, whose links and players Tab
# reaches too. The recordings are rendered at
# test time by `tingshuo say` (espeak-ng) and recognized by base-q8_0 (the product's model).
#
# Installs what it needs once, quietly: Debian chromium and espeak-ng, the npm packages pinned
# by tests/browser/package-lock.json (npm ci). TINGSHUO_SCREENSHOT=docs writes the page's
# screenshot to docs/harness-page.png (else target/browser/harness-page.png).
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO=${CARGO:-cargo}
scripts/install-system-packages.sh chromium espeak-ng
(cd tests/browser && npm ci --silent --no-audit --no-fund >/dev/null)
$CARGO build --quiet --locked -p tingshuo-desktop --bin tingshuo
./target/debug/tingshuo models install base-q8_0

cd tests/browser
TINGSHUO="$PWD/../../target/debug/tingshuo" CHROMIUM=/usr/bin/chromium \
    node --test --test-reporter=spec --test-timeout=180000 harness.test.mjs
