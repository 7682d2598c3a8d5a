"""longsum: structured summaries of long transcripts."""
