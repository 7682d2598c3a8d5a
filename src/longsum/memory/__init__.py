"""Embeddings, the vector store, checkpoints and caches."""
