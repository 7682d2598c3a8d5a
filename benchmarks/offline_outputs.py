"""The offline engine's summaries of every shared transcript, written or compared.

A restructuring must not change what the offline engine writes. Run this once before the
change (``--write DIR``) and once after (``--check DIR``): the second run fails, naming the
transcripts, if any summary differs by a single byte. Both run in one process, with a
fresh cache each, on the 22 transcripts of ``../shared/data/{real,seed_transcripts}``.

    .venv/bin/python benchmarks/offline_outputs.py --write /tmp/before
    .venv/bin/python benchmarks/offline_outputs.py --check /tmp/before
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def transcripts() -> list[Path]:
    """Every shared transcript, in name order."""
    found = [*SHARED.glob("real/*.txt"), *SHARED.glob("seed_transcripts/*.txt")]
    return sorted(found, key=lambda p: (p.parent.name, p.name))


def summaries(files: list[Path]) -> dict[str, str]:
    """``{dir/name: the contract JSON as the CLI writes it}``, offline, fresh cache."""
    os.environ["LONGSUM_CACHE_DIR"] = tempfile.mkdtemp(prefix="longsum-outputs-")
    os.environ.pop("LONGSUM_MODEL", None)
    os.environ["HF_HUB_OFFLINE"] = "1"
    import longsum

    out: dict[str, str] = {}
    for file in files:
        began = time.perf_counter()
        summary = longsum.summarize(file)
        key = f"{file.parent.name}/{file.name}"
        out[key] = json.dumps(
            summary.model_dump(mode="json", by_alias=True), ensure_ascii=False, indent=2
        )
        print(f"{key}: {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", type=Path, metavar="DIR")
    mode.add_argument("--check", type=Path, metavar="DIR")
    args = parser.parse_args()
    files = transcripts()
    if not files:
        print(f"skipped: no transcripts under {SHARED}")
        return 0
    got = summaries(files)
    if args.write:
        for key, text in got.items():
            path = args.write / key.replace("/", "__").replace(".txt", ".json")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        print(f"wrote {len(got)} summaries to {args.write}")
        return 0
    differ = []
    for key, text in got.items():
        path = args.check / key.replace("/", "__").replace(".txt", ".json")
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            differ.append(key)
    same = len(got) - len(differ)
    print(
        f"{same} of {len(got)} summaries byte-identical" + (f"; differ: {differ}" if differ else "")
    )
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
