"""Fixtures for the emulator tests: a served scripted model and an openai client on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import openai
import pytest

from emulators.model import ScriptedModel, Turn

API_KEY = "test-key"
ServeModel = Callable[..., tuple[ScriptedModel, openai.OpenAI]]


@pytest.fixture
def serve_model() -> Iterator[ServeModel]:
    """Start a ScriptedModel over real HTTP; returns it with an openai client pointed at it."""
    with ExitStack() as stack:
        def start(turns: list[Turn], max_retries: int = 0) -> tuple[ScriptedModel, openai.OpenAI]:
            model = ScriptedModel(turns)
            base_url = stack.enter_context(model.serve())
            client = openai.OpenAI(base_url=base_url, api_key=API_KEY,
                                   max_retries=max_retries, timeout=10)
            return model, stack.enter_context(client)

        yield start
