"""LLM-facing code: chat models, prompts and structured output."""
