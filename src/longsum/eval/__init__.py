"""``longsum eval``: scoring summaries of a dataset of transcripts against human references."""

__all__: list[str] = []
