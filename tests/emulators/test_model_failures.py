"""The scripted model fails on purpose (429, 500) and loudly on the unexpected."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import openai
import pytest

from emulators.model import ScriptedModel, ToolCall, Turn
from tests.emulators.conftest import API_KEY, ServeModel
from tests.emulators.test_model_chat import MODEL, QUESTION

RETRY_AFTER = 1.2
# Without the header the client backs off for at most 0.5 s; waiting longer proves it obeyed.
OBEYED = 1.0


def test_rate_limit_with_retry_after_then_success(serve_model: ServeModel) -> None:
    model, client = serve_model([Turn.error(429, retry_after=RETRY_AFTER), Turn.text("ok")],
                                max_retries=2)
    started = time.monotonic()
    answer = client.chat.completions.create(model=MODEL, messages=QUESTION)
    assert time.monotonic() - started >= OBEYED
    assert answer.choices[0].message.content == "ok"
    assert len(model.requests) == 2
    model.assert_done()


def test_rate_limit_reaches_a_client_without_retries(serve_model: ServeModel) -> None:
    model, client = serve_model([Turn.error(429, retry_after=2)])
    with pytest.raises(openai.RateLimitError) as raised:
        client.chat.completions.create(model=MODEL, messages=QUESTION)
    assert raised.value.response.headers["retry-after"] == "2"
    assert raised.value.response.headers["retry-after-ms"] == "2000"
    assert raised.value.code == "rate_limit_exceeded"
    model.assert_done()


def test_server_error_then_success_through_client_retries(serve_model: ServeModel) -> None:
    model, client = serve_model([Turn.error(500), Turn.text("recovered")], max_retries=1)
    answer = client.chat.completions.create(model=MODEL, messages=QUESTION)
    assert answer.choices[0].message.content == "recovered"
    assert len(model.requests) == 2
    model.assert_done()


def test_expectation_met_by_a_tool_result(serve_model: ServeModel) -> None:
    model, client = serve_model([Turn.text("fixing", expect="FAILED test_add")])
    call = {"id": "call_1", "type": "function", "function": {"name": "run_tests", "arguments": ""}}
    messages: list[Any] = [
        *QUESTION,
        {"role": "assistant", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "FAILED test_add - assert 3 == 4"},
    ]
    client.chat.completions.create(model=MODEL, messages=messages)
    model.assert_done()


def test_expectation_miss_fails_loudly_without_retries(serve_model: ServeModel) -> None:
    model, client = serve_model([Turn.text("fixing", expect="FAILED test_add")], max_retries=2)
    with pytest.raises(openai.InternalServerError, match="FAILED test_add"):
        client.chat.completions.create(model=MODEL, messages=QUESTION)
    assert len(model.requests) == 1
    assert model.failures == [
        "turn 1, request 1: expected the request to contain 'FAILED test_add'; "
        "its messages end with 'Build a calculator.'"
    ]
    with pytest.raises(AssertionError, match="FAILED test_add"):
        model.assert_ok()


def test_exhausted_script_fails_loudly(serve_model: ServeModel) -> None:
    model, client = serve_model([Turn.text("only answer")], max_retries=2)
    client.chat.completions.create(model=MODEL, messages=QUESTION)
    with pytest.raises(openai.InternalServerError, match="script exhausted"):
        client.chat.completions.create(model=MODEL, messages=QUESTION)
    assert model.failures == ["script exhausted: request 2 came after all 1 turns were used"]
    with pytest.raises(AssertionError, match="script exhausted"):
        model.assert_ok()


def test_unused_turns_fail_assert_done(serve_model: ServeModel) -> None:
    model, client = serve_model([Turn.text("one"), Turn.text("two")])
    client.chat.completions.create(model=MODEL, messages=QUESTION)
    model.assert_ok()
    assert model.remaining == 1
    with pytest.raises(AssertionError, match="1 scripted turns were never requested"):
        model.assert_done()


def test_unanswered_tool_call_is_rejected_like_openai(serve_model: ServeModel) -> None:
    model, client = serve_model([Turn.tool_calls([ToolCall("run_tests", {})]), Turn.text("no")])
    first = client.chat.completions.create(model=MODEL, messages=QUESTION)
    echoed = first.choices[0].message.model_dump(exclude_none=True)
    with pytest.raises(openai.BadRequestError, match="did not have response messages"):
        client.chat.completions.create(model=MODEL, messages=[*QUESTION, echoed])  # type: ignore[list-item]
    assert model.remaining == 1
    assert "tool_call_ids did not have response messages: call_1_0" in model.failures[0]


def test_streaming_is_refused(serve_model: ServeModel) -> None:
    model, client = serve_model([Turn.text("no")])
    with pytest.raises(openai.BadRequestError, match="does not stream"):
        client.chat.completions.create(model=MODEL, messages=QUESTION, stream=True)
    assert model.remaining == 1
    assert len(model.failures) == 1


AUTH = {"authorization": f"Bearer {API_KEY}"}
CHAT = "/v1/chat/completions"
BAD_CALLS = json.dumps({"model": MODEL, "messages": [
    {"role": "assistant", "tool_calls": [{"function": {"name": "f"}}]}]})

ORPHAN_RESULT = json.dumps({"model": MODEL, "messages": [
    *QUESTION, {"role": "tool", "tool_call_id": "call_9", "content": "ok"}]})


@pytest.mark.parametrize(("path", "headers", "content", "status", "failure"), [
    (CHAT, {}, json.dumps({"model": MODEL}), 401, "missing bearer token"),
    ("/v1/embeddings", AUTH, "{}", 404, "unexpected request POST /v1/embeddings"),
    (CHAT, AUTH, "{not json", 400, "request body is not valid JSON"),
    (CHAT, AUTH, BAD_CALLS, 400, "tool_calls must be a list of {id, type, function}"),
    (CHAT, AUTH, ORPHAN_RESULT, 400, "messages[1]: tool message answers no pending tool call"),
])
def test_unexpected_requests_fail_loudly(path: str, headers: dict[str, str], content: str,
                                         status: int, failure: str) -> None:
    model = ScriptedModel([Turn.text("unused")])
    with model.serve() as base_url:
        answer = httpx.post(base_url.removesuffix("/v1") + path, headers=headers, content=content)
    assert answer.status_code == status
    assert answer.headers["x-should-retry"] == "false"
    assert failure in answer.json()["error"]["message"]
    assert len(model.failures) == 1 and failure in model.failures[0]
    assert model.remaining == 1


def test_a_hanging_turn_never_answers(serve_model: ServeModel) -> None:
    model, client = serve_model([Turn.hang(), Turn.text("never asked")])
    with pytest.raises(openai.APITimeoutError):
        client.with_options(timeout=1).chat.completions.create(model=MODEL, messages=QUESTION)
    assert len(model.requests) == 1 and model.remaining == 1
    model.assert_ok()
