"""Parse a transcript in any supported format and print its token-bounded chunks.

    .venv/bin/python examples/chunk_a_transcript.py [FILE]

Without FILE it chunks a short WebVTT transcript written inline, so it runs anywhere.
"""

from __future__ import annotations

import sys

import longsum

SAMPLE_VTT = """WEBVTT

00:00:00.000 --> 00:00:04.000
<v Ada>Welcome back. Today we talk about hash tables and why they are fast.

00:00:04.000 --> 00:00:09.500
<v Grace>Right. A hash function maps a key to a bucket, so a lookup is one step on average.

00:00:09.500 --> 00:00:15.000
<v Ada>And when two keys collide we chain them in a list or probe for the next free slot.
"""


def main() -> None:
    if len(sys.argv) > 1:
        transcript = longsum.read_transcript(sys.argv[1])
    else:
        transcript = longsum.parse_text(SAMPLE_VTT, source="<sample.vtt>")
    tokenizer = longsum.get_tokenizer()
    chunks = longsum.chunk_transcript(
        transcript, max_tokens=40, overlap_tokens=8, tokenizer=tokenizer
    )
    print(
        f"{transcript.source}: {transcript.format}, {len(transcript.utterances)} utterances, "
        f"speakers {transcript.speakers}"
    )
    for chunk in chunks:
        print(
            f"--- {chunk.id} [{chunk.start}-{chunk.end}s] {chunk.token_count} tokens "
            f"(overlap {chunk.overlap_chars} chars)"
        )
        print(chunk.text)


if __name__ == "__main__":
    main()
