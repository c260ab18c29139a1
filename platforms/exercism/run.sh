#!/usr/bin/env bash
# An Exercism-style test runner for gpt2-kit: run.sh SLUG INPUT_DIR OUTPUT_DIR grades the stage
# files in INPUT_DIR (a repository with exercises/, or the files themselves) with the kit this
# script belongs to (the folder two above it) and writes OUTPUT_DIR/results.json (version 3).
# The whole kit is one exercise (SLUG is not read) whose tasks are its stages (task_id).
#
# It always exits 0: a failing solution is status "fail", and a run that could not grade is
# status "error" with a message. Memory: each stage's process is capped at 2048 MiB (the
# grader's own process takes about 300 MiB more), within a runner's 3 GB; time: about 20 s for
# every stage on the tiny model, and a stage stops at GPT2KIT_TIME_LIMIT seconds (default 20).
set -uo pipefail
if [ "$#" -ne 3 ]; then
  echo "Usage: run.sh SLUG INPUT_DIR OUTPUT_DIR" >&2
  exit 2
fi
mkdir -p "$3" || exit 0
OUTPUT="$(cd "$3" && pwd)"
KIT="$(cd "$(dirname "$0")/../.." && pwd)"
error() {
  printf '{"version": 3, "status": "error", "message": "%s", "tests": []}\n' "$1" \
    > "$OUTPUT/results.json"
}
# written first, replaced when grading ends: a run stopped from outside still leaves a result
error "The test runner stopped before grading ended (the time limit of the run?)."
if ! INPUT="$(cd "$2" 2>/dev/null && pwd)"; then
  error "There is no solution folder to grade."
  exit 0
fi
cd "$KIT" || { error "The test runner cannot find its kit."; exit 0; }
deno task check all --submission "$INPUT" --model tiny \
  --time-limit "${GPT2KIT_TIME_LIMIT:-20}" --memory-limit 2048 \
  --report "exercism=$OUTPUT/results.json"
status=$?
if [ "$status" -gt 1 ]; then
  error "The test runner could not grade this solution (exit code $status): it is not your doing."
fi
exit 0
