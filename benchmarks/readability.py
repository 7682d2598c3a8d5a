"""Readability of a folder of summaries: the share of bullets with each defect, per
transcript and on average, and speaker attribution (``longsum_eval.readability``).

Summaries are contract JSON files named after their transcript, as ``offline_outputs.py
--write`` names them (``real__NAME.json``) or plainly (``NAME.json``); transcripts without
a summary are skipped. Measure before and after a change:

    .venv/bin/python benchmarks/offline_outputs.py --write /tmp/now-outputs
    .venv/bin/python benchmarks/readability.py /tmp/now-outputs
    .venv/bin/python benchmarks/readability.py /tmp/now-outputs --show   # the bullets too
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from longsum.tools.quality import DEFECTS, bullet_defects, scripts_of
from longsum_eval.readability import defect_key, readability, summary_bullets

DATASET = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
SHORT = {
    "question": "quest",
    "backchannel": "reply",
    "fragment": "frag",
    "filler": "fill",
    "too_long": "long",
    "title_like": "title",
    "scaffold": "scaff",
    "markup": "mark",
    "script": "scrpt",
    "placeholder_number": "plh#",
    "duplicate": "dup",
}
COLUMNS = [("defects", "any"), *((defect_key(c), SHORT[c]) for c in DEFECTS)]
COLUMNS += [("speaker_named", "named"), ("speaker_attribution", "quoted")]


def find_summary(folder: Path, transcript: Path) -> Path | None:
    """The summary of ``transcript`` in ``folder``, under either naming."""
    for name in (f"{transcript.parent.name}__{transcript.stem}.json", f"{transcript.stem}.json"):
        if (folder / name).is_file():
            return folder / name
    return None


def cell(value: Any) -> str:
    return "—" if value is None else f"{value:.0%}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("summaries", type=Path, help="folder of summary JSON files")
    parser.add_argument("--dataset", type=Path, default=DATASET, help="folder of NAME.txt")
    parser.add_argument("--show", action="store_true", help="print each defective bullet")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    for transcript in sorted(args.dataset.glob("*.txt")):
        path = find_summary(args.summaries, transcript)
        if path is None:
            continue
        summary = json.loads(path.read_text(encoding="utf-8"))
        text = transcript.read_text(encoding="utf-8")
        rows.append({"item": transcript.stem, **readability(summary, transcript, text)})
        if args.show:
            scripts = scripts_of(text)
            for bullet in summary_bullets(summary):
                if found := bullet_defects(bullet, scripts=scripts):
                    print(f"  {transcript.stem[:24]:24} {','.join(found):28} {bullet[:110]}")
    if not rows:
        print(f"no summary in {args.summaries} matches a transcript of {args.dataset}")
        return 1
    width = max(len(r["item"]) for r in rows)
    print(f"{'transcript':{width}}  " + " ".join(f"{label:>6}" for _, label in COLUMNS))
    for row in rows:
        print(f"{row['item']:{width}}  " + " ".join(f"{cell(row[k]):>6}" for k, _ in COLUMNS))
    means = []
    for key, _ in COLUMNS:
        values = [r[key] for r in rows if r[key] is not None]
        means.append(sum(values) / len(values) if values else None)
    print(f"{'mean':{width}}  " + " ".join(f"{cell(m):>6}" for m in means))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
