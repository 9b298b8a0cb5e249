#!/bin/sh
# Build the bot (pip install componentize-py==0.25.1) and check its
# scripted conversation.
set -eu
cd "$(dirname "$0")"
PYTHONDONTWRITEBYTECODE=1 componentize-py -d wit -w bot componentize bot -o bot.wasm >/dev/null
"${BOTHOST:-bothost}" local bot.wasm --script test.script \
    | diff -u expected.txt - && echo "test.script: ok"
