#!/usr/bin/env bash
# Summarize a seed transcript with the longsum CLI, offline, and print it as Markdown.
#
#     examples/cli_on_a_seed_transcript.sh [FILE]
#
# FILE defaults to ../shared/data/seed_transcripts/zig.txt (the shared folder beside the
# repository). No model is configured, so the offline extractive engine writes the summary;
# add `--model provider:model` (or set LONGSUM_MODEL) to have a chat model write it instead.
# Uses `longsum` from PATH, else the repository's .venv.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
transcript="${1:-$root/../shared/data/seed_transcripts/zig.txt}"
longsum="$(command -v longsum || echo "$root/.venv/bin/longsum")"

"$longsum" summarize "$transcript" --format markdown
