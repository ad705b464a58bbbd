"""Faithful stand-ins for GitHub and the model, for tests, benchmarks and the demo."""
