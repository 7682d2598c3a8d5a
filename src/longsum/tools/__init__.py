"""Transcript parsing, chunking, token counting, contract validation and repair."""
