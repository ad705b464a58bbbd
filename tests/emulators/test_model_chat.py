"""The scripted model answers the real openai client: text, structured JSON, tool calls."""

from __future__ import annotations

import json
import time
from typing import Any

import openai
import pydantic
import pytest
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionMessageFunctionToolCall,
    ChatCompletionMessageParam,
    ChatCompletionToolParam,
)

from emulators.model import ToolCall, Turn
from tests.emulators.conftest import ServeModel

MODEL = "gpt-4.1-mini"
QUESTION: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Build a calculator."}]
WRITE_FILE_TOOL: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "write_file",
        "description": "Write a file in the workspace.",
        "parameters": {
            "type": "object",
            "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
            "required": ["path", "content"],
        },
    },
}


class Plan(pydantic.BaseModel):
    summary: str
    steps: list[str]


def function_calls(answer: ChatCompletion) -> list[ChatCompletionMessageFunctionToolCall]:
    calls = answer.choices[0].message.tool_calls or []
    assert all(isinstance(call, ChatCompletionMessageFunctionToolCall) for call in calls)
    return [call for call in calls if isinstance(call, ChatCompletionMessageFunctionToolCall)]


def follow_up(answer: ChatCompletion, result: str) -> list[dict[str, Any]]:
    """The assistant message echoed back, then one tool result per call, as Kiln sends them."""
    echoed = answer.choices[0].message.model_dump(exclude_none=True)
    results = [{"role": "tool", "tool_call_id": call.id, "content": result.format(**json.loads(
        call.function.arguments))} for call in function_calls(answer)]
    return [echoed, *results]


def test_text_turn_answers_in_openai_shape(serve_model: ServeModel) -> None:
    model, client = serve_model([Turn.text("Here is the plan.")])
    answer = client.chat.completions.create(model=MODEL, messages=QUESTION)
    assert answer.object == "chat.completion"
    assert answer.model == MODEL
    assert answer.id.startswith("chatcmpl-")
    choice = answer.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert choice.message.content == "Here is the plan."
    assert choice.message.tool_calls is None
    assert model.requests == [{"model": MODEL, "messages": QUESTION}]
    model.assert_done()


def test_json_turn_parses_into_the_response_format(serve_model: ServeModel) -> None:
    plan = Plan(summary="calculator", steps=["write calc.py", "write tests"])
    model, client = serve_model([Turn.json(plan.model_dump())])
    answer = client.chat.completions.parse(model=MODEL, messages=QUESTION, response_format=Plan)
    assert answer.choices[0].message.parsed == plan
    assert model.requests[0]["response_format"]["type"] == "json_schema"
    model.assert_done()


def test_tool_calls_round_trip_with_tool_results(serve_model: ServeModel) -> None:
    calls = [ToolCall("write_file", {"path": "a.py", "content": "x = 1\n"}),
             ToolCall("write_file", {"path": "b.py", "content": "y = 2\n"})]
    model, client = serve_model([Turn.tool_calls(calls), Turn.text("Done.", expect="wrote b.py")])
    first = client.chat.completions.create(model=MODEL, messages=QUESTION, tools=[WRITE_FILE_TOOL])
    assert first.choices[0].finish_reason == "tool_calls"
    assert first.choices[0].message.content is None
    sent = [(call.function.name, json.loads(call.function.arguments))
            for call in function_calls(first)]
    assert sent == [(call.name, call.arguments) for call in calls]
    conversation: list[Any] = [*QUESTION, *follow_up(first, "wrote {path}")]
    second = client.chat.completions.create(model=MODEL, messages=conversation,
                                            tools=[WRITE_FILE_TOOL])
    assert second.choices[0].message.content == "Done."
    roles = [message["role"] for message in model.requests[1]["messages"]]
    assert roles == ["user", "assistant", "tool", "tool"]
    model.assert_done()


def test_malformed_arguments_reach_the_client_as_a_raw_string(serve_model: ServeModel) -> None:
    raw = '{"path": "a.py", "content": "unterminated'
    model, client = serve_model([Turn.tool_calls([ToolCall("write_file", raw)])])
    answer = client.chat.completions.create(model=MODEL, messages=QUESTION)
    [call] = function_calls(answer)
    assert call.function.arguments == raw
    with pytest.raises(json.JSONDecodeError):
        json.loads(call.function.arguments)
    model.assert_done()


def test_endless_turn_answers_every_later_request(serve_model: ServeModel) -> None:
    model, client = serve_model([Turn.text("Starting."), Turn.endless(ToolCall("run_tests", {}))])
    conversation: list[Any] = list(QUESTION)
    client.chat.completions.create(model=MODEL, messages=conversation)
    for _ in range(5):
        answer = client.chat.completions.create(model=MODEL, messages=conversation)
        assert [call.function.name for call in function_calls(answer)] == ["run_tests"]
        conversation += follow_up(answer, "1 failed")
    assert len(model.requests) == 6
    model.assert_done()


def test_tool_call_ids_are_unique_across_the_conversation(serve_model: ServeModel) -> None:
    call = ToolCall("run_tests", {})
    model, client = serve_model([Turn.tool_calls([call, call]), Turn.tool_calls([call])])
    ids = []
    for _ in range(2):
        answer = client.chat.completions.create(model=MODEL, messages=QUESTION)
        ids += [call.id for call in function_calls(answer)]
    assert len(set(ids)) == 3
    model.assert_done()


def test_models_are_listed_and_retrieved(serve_model: ServeModel) -> None:
    model, client = serve_model([Turn.text("hi")])
    client.chat.completions.create(model="other-model", messages=QUESTION)
    assert [entry.id for entry in client.models.list()] == [MODEL, "other-model"]
    assert client.models.retrieve(MODEL).owned_by == "kiln-emulator"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("no-such-model")
    model.assert_ok()


def test_each_request_is_stamped_with_when_it_came(serve_model: ServeModel) -> None:
    model, client = serve_model([Turn.text("One."), Turn.text("Two.")])
    before = time.perf_counter()
    client.chat.completions.create(model=MODEL, messages=QUESTION)
    between = time.perf_counter()
    client.chat.completions.create(model=MODEL, messages=QUESTION)

    first, second = model.arrivals
    assert before <= first <= between <= second <= time.perf_counter()
