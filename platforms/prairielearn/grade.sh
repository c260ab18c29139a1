#!/usr/bin/env bash
# PrairieLearn's external grader entrypoint for gpt2-kit (the example question's info.json names
# it). PrairieLearn puts the student's files in /grade/student and the question's tests/ in
# /grade/tests; this grades the student's stage files with the kit baked into the image (the
# folder two above this script), and writes /grade/results/results.json, creating the folder.
# The grader copies the student's stage files into a fresh folder before each stage and runs
# them there, sandboxed; a link among them is refused by name.
#
# Model: GPT2KIT_MODEL (tiny by default; gpt2 when the image has it), against the question's
# hidden references when it has tests/references.safetensors. GPT2KIT_GRADE_ROOT replaces /grade
# (for trying it out elsewhere).
set -uo pipefail
ROOT="${GPT2KIT_GRADE_ROOT:-/grade}"
KIT="$(cd "$(dirname "$0")/../.." && pwd)"
args=(--model "${GPT2KIT_MODEL:-tiny}" --time-limit "${GPT2KIT_TIME_LIMIT:-120}"
  --memory-limit "${GPT2KIT_MEMORY_LIMIT:-2048}")
if [ -f "$ROOT/tests/references.safetensors" ]; then
  args+=(--refs "$ROOT/tests/references.safetensors")
fi
mkdir -p "$ROOT/results"
cd "$KIT" || exit 3
deno task check all --submission "$ROOT/student" "${args[@]}" \
  --report "prairielearn=$ROOT/results/results.json"
status=$?
# 0 or 1: graded, results.json holds the score. 2 or 3: the grader could not grade: the
# submission is marked not gradable (no attempt used up) and says why.
if [ "$status" -gt 1 ]; then
  printf '%s\n' '{"gradable": false, "score": 0, "message": "The autograder could not grade this submission: this is not your doing, and it used up no attempt. Your instructor can see why in the grading log.", "format_errors": ["The autograder could not grade this submission."]}' \
    > "$ROOT/results/results.json"
fi
exit 0
