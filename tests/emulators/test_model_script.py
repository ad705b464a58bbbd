"""Script turns and their JSON file format, served from a file."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from emulators.localhost import wait_until
from emulators.model import ScriptedModel, ToolCall, Turn, dump_script, load_script

SCRIPT = [
    Turn.json({"summary": "calculator", "steps": ["write", "test"]}),
    Turn.tool_calls([ToolCall("write_file", {"path": "calc.py", "content": "x = 1\n"}),
                     ToolCall("run_tests", '{"broken": ')]),
    Turn.error(429, retry_after=0.5),
    Turn.error(500, delay=0.25),
    Turn.text("Fixed it.", expect="FAILED", delay=1.5),
    Turn.hang(expect="stall"),
    Turn.endless(ToolCall("run_tests", {}), expect="tool", delay=2),
]
HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]


def test_script_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "script.json"
    dump_script(SCRIPT, path)
    assert load_script(path) == SCRIPT
    assert ScriptedModel.from_file(path).remaining == len(SCRIPT)


def test_hand_written_script_file_is_served(tmp_path: Path) -> None:
    path = tmp_path / "script.json"
    path.write_text('[{"text": "Hello from a file.", "expect": "Hi"}]')
    model = ScriptedModel.from_file(path)
    with model.serve() as base_url:
        client = openai.OpenAI(base_url=base_url, api_key="k", max_retries=0)
        answer = client.chat.completions.create(model="gpt-4.1-mini", messages=HELLO)
    assert answer.choices[0].message.content == "Hello from a file."
    model.assert_done()


def test_a_delayed_turn_answers_no_sooner_than_its_delay(tmp_path: Path) -> None:
    path = tmp_path / "script.json"
    path.write_text('[{"text": "Thought about it.", "delay": 1.5}]')
    model = ScriptedModel.from_file(path)
    with model.serve() as base_url:
        client = openai.OpenAI(base_url=base_url, api_key="k", max_retries=0)
        asked = time.monotonic()
        answer = client.chat.completions.create(model="gpt-4.1-mini", messages=HELLO)
        waited = time.monotonic() - asked
    assert answer.choices[0].message.content == "Thought about it."
    assert waited >= 1.5
    model.assert_done()


def test_a_delayed_turn_leaves_the_server_free_for_other_requests() -> None:
    model = ScriptedModel([Turn.text("Slow.", delay=5)])
    with model.serve() as base_url:
        client = openai.OpenAI(base_url=base_url, api_key="k", max_retries=0)
        slow = threading.Thread(target=client.chat.completions.create,
                                kwargs={"model": "gpt-4.1-mini", "messages": HELLO})
        slow.start()
        # Once the chat request has arrived, the model is "thinking" for five seconds.
        wait_until(lambda: model.requests, 10, "the chat request", interval=0.01)
        names = [listed.id for listed in client.models.list()]
        still_thinking = slow.is_alive()
        slow.join(30)
    assert names == ["gpt-4.1-mini"] and still_thinking
    model.assert_done()


@pytest.mark.parametrize("entry", [
    {"text": "a", "json": {}},
    {"say": "a"},
    {"text": "a", "retry_after": 1},
    {"tool_calls": []},
    {"tool_calls": [{"arguments": {}}]},
    {"endless": {"name": "f", "arguments": {}, "extra": 1}},
    {"error": 200},
    {"text": "a", "delay": -1},
    {"text": "a", "delay": "soon"},
])
def test_malformed_turns_are_rejected(entry: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Turn.from_dict(entry)


def test_script_file_must_be_a_list(tmp_path: Path) -> None:
    path = tmp_path / "script.json"
    path.write_text('{"text": "a"}')
    with pytest.raises(ValueError, match="list of turns"):
        load_script(path)

