"""The state schemas and the wiring of the summarization graph."""
