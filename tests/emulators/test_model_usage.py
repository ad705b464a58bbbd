"""Token usage: deterministic estimates, and cached tokens growing along a conversation."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from openai.types import CompletionUsage

from emulators.model import ScriptedModel, ToolCall, Turn
from emulators.model.usage import CACHE_BLOCK_TOKENS, CACHE_MIN_TOKENS, cached_tokens, estimate
from tests.emulators.conftest import API_KEY, ServeModel
from tests.emulators.test_model_chat import MODEL, QUESTION

# Long enough (about 2,000 tokens) to pass the provider's 1,024-token caching threshold.
SYSTEM_PROMPT = "You are Kiln. Write small, tested Python modules. " * 160


def cached_of(usage: CompletionUsage) -> int:
    details = usage.prompt_tokens_details
    assert details is not None and details.cached_tokens is not None
    return details.cached_tokens


def test_estimate_counts_four_characters_per_token() -> None:
    usage = estimate("p" * 41, "", "c" * 8, [("write_file", "{}")])
    assert (usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens) == (11, 5, 0)
    assert usage.to_dict()["total_tokens"] == 16


def test_cached_tokens_follow_the_providers_rules() -> None:
    shared = "x" * (CACHE_MIN_TOKENS * 4 + 300)
    assert cached_tokens(shared + "new question", shared + "old question") == CACHE_MIN_TOKENS
    more = "x" * ((CACHE_MIN_TOKENS + CACHE_BLOCK_TOKENS) * 4 - 1)
    assert cached_tokens(more + "a", more + "b") == CACHE_MIN_TOKENS
    short = "x" * (CACHE_MIN_TOKENS * 4 - 1)
    assert cached_tokens(short + "a", short + "b") == 0
    assert cached_tokens(shared, "") == 0


def test_usage_grows_along_a_conversation(serve_model: ServeModel) -> None:
    replies = ["First, the plan. " * 40, "Second, the code. " * 40, "Done."]
    model, client = serve_model([Turn.text(reply) for reply in replies])
    conversation: list[Any] = [{"role": "system", "content": SYSTEM_PROMPT},
                               {"role": "user", "content": "Build a calculator."}]
    usages = []
    for _ in replies:
        answer = client.chat.completions.create(model=MODEL, messages=conversation)
        assert answer.usage is not None
        usages.append(answer.usage)
        conversation += [{"role": "assistant", "content": answer.choices[0].message.content},
                         {"role": "user", "content": "Go on."}]
    prompts = [usage.prompt_tokens for usage in usages]
    cached = [cached_of(usage) for usage in usages]
    assert prompts == sorted(prompts) and len(set(prompts)) == 3
    assert cached[0] == 0
    assert CACHE_MIN_TOKENS <= cached[1] < cached[2] < prompts[2]
    assert all(tokens % CACHE_BLOCK_TOKENS == 0 for tokens in cached)
    assert usages[0].completion_tokens == len(replies[0]) // 4
    assert all(u.total_tokens == u.prompt_tokens + u.completion_tokens for u in usages)
    model.assert_done()


def test_a_server_may_answer_without_usage() -> None:
    model = ScriptedModel([Turn.text("no figures")], send_usage=False)
    with model.serve() as url, openai.OpenAI(base_url=url, api_key=API_KEY,
                                             max_retries=0) as client:
        answer = client.chat.completions.create(model=MODEL, messages=QUESTION)
    assert answer.usage is None and answer.choices[0].message.content == "no figures"
    model.assert_done()


def test_completion_limits_are_recorded_and_cut_the_answer(serve_model: ServeModel) -> None:
    call = ToolCall("write_file", {"path": "a.py", "content": "y" * 200})
    model, client = serve_model([Turn.text("x" * 400), Turn.text("short"),
                                 Turn.tool_calls([call, ToolCall("finish", {})])])
    cut = client.chat.completions.create(model=MODEL, messages=QUESTION, max_completion_tokens=10)
    whole = client.chat.completions.create(model=MODEL, messages=QUESTION)
    calls = client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=20)
    assert model.answer_limits == [10, None, 20]
    assert cut.choices[0].finish_reason == "length" and cut.choices[0].message.content == "x" * 40
    assert cut.usage is not None and cut.usage.completion_tokens == 10
    assert whole.choices[0].finish_reason == "stop"
    [written] = calls.choices[0].message.tool_calls or []
    assert calls.choices[0].finish_reason == "length"
    assert written.type == "function" and len(written.function.arguments) == 80 - len("write_file")
    assert calls.usage is not None and calls.usage.completion_tokens == 20
    model.assert_done()


def test_a_limit_below_one_is_refused(serve_model: ServeModel) -> None:
    model, client = serve_model([Turn.text("never")])
    with pytest.raises(openai.BadRequestError, match="max_completion_tokens"):
        client.chat.completions.create(model=MODEL, messages=QUESTION, max_completion_tokens=0)
    assert model.remaining == 1
