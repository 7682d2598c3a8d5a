"""Summarize with a local GGUF model run in process by llama.cpp (no API, no server).

    .venv/bin/pip install -e ".[llamacpp]"            # builds llama-cpp-python (~10 min)
    M=$(../shared/tools/get-local-model 0.5b | tail -1)  # a small Qwen2.5 GGUF
    .venv/bin/python examples/local_gguf.py "$M" [FILE]

The model path comes from the first argument or from ``LONGSUM_TEST_GGUF``; without one
the script says how to get a model and exits 0. FILE defaults to the zig seed transcript in
../shared. Expect minutes, not seconds, on a laptop CPU.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import longsum

SEED = Path(__file__).resolve().parents[2] / "shared" / "data" / "seed_transcripts" / "zig.txt"


def main() -> None:
    gguf = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("LONGSUM_TEST_GGUF")
    if not gguf:
        print(
            "No GGUF model given. Get a small one and pass its path:\n"
            "  M=$(../shared/tools/get-local-model 0.5b | tail -1)\n"
            '  .venv/bin/python examples/local_gguf.py "$M"\n'
            "(or set LONGSUM_TEST_GGUF). llama.cpp needs: pip install -e '.[llamacpp]'"
        )
        return
    path = sys.argv[2] if len(sys.argv) > 2 else SEED
    summary = longsum.summarize(path, model=f"llamacpp:{gguf}")
    print(summary.model_dump_json(by_alias=True, indent=2))


if __name__ == "__main__":
    main()
