#!/usr/bin/env bash
# Gradescope runs this once, as root in /autograder/source, when it builds the autograder's image
# (the network is there then): it installs Deno 2.9.6 and the kit's npm packages, then grades
# the untouched stubs once with the bundle's model, so that a submission is graded with nothing
# to fetch and a setup that is known to work. Written by `deno task gradescope OUTDIR`.
set -euo pipefail
DENO_VERSION=2.9.6
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=/dev/null
source "$HERE/grading.env"
if ! deno --version 2>/dev/null | grep -q "^deno $DENO_VERSION "; then
  apt-get update
  apt-get install -y --no-install-recommends ca-certificates curl unzip
  curl -fsSL -o /tmp/deno.zip \
    "https://github.com/denoland/deno/releases/download/v$DENO_VERSION/deno-x86_64-unknown-linux-gnu.zip"
  unzip -o /tmp/deno.zip -d /usr/local/bin
  rm /tmp/deno.zip
fi
cd "$HERE/kit"
# the grader's packages, and the sandbox's own (what a student's code may import)
deno install --frozen
deno install --frozen --config grader/sandbox/deno.json
# 0: the stubs pass (they do not), 1: graded; anything else means the setup cannot grade
status=0
deno task check all $GPT2KIT_CHECK_ARGS --format json > /dev/null || status=$?
if [ "$status" -gt 1 ]; then
  echo "The autograder cannot grade (exit code $status): see the messages above." >&2
  exit "$status"
fi
echo "The autograder is ready: deno task check all $GPT2KIT_CHECK_ARGS"
