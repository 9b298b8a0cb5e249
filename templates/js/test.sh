#!/bin/sh
# Build the bot with componentize-qjs (installed by `npm install` on first
# use, or taken from $COMPONENTIZE_QJS) and check its scripted conversation.
set -eu
cd "$(dirname "$0")"
if [ -z "${COMPONENTIZE_QJS:-}" ]; then
    [ -d node_modules ] || npm install --no-audit --no-fund --silent
    COMPONENTIZE_QJS=node_modules/.bin/componentize-qjs
fi
"$COMPONENTIZE_QJS" --sync --wit wit -n bot -j bot.js -o bot.wasm >/dev/null
"${BOTHOST:-bothost}" local bot.wasm --script test.script \
    | diff -u expected.txt - && echo "test.script: ok"
