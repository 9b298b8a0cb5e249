#!/bin/sh
# Build the bot and check its scripted conversation.
set -eu
cd "$(dirname "$0")"
cargo build --target wasm32-wasip2 --release --quiet
"${BOTHOST:-bothost}" local "${CARGO_TARGET_DIR:-target}/wasm32-wasip2/release/{{crate}}.wasm" --script test.script \
    | diff -u expected.txt - && echo "test.script: ok"
