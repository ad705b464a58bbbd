"""Reading a chat request: its text for expectations, and the checks OpenAI answers 400 to."""

from __future__ import annotations

from typing import Any

ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
LIMIT_KEYS = ("max_completion_tokens", "max_tokens")  # the current name, then the deprecated one


def content_text(content: Any) -> str:
    """A message's content as text: a string, or the text parts of a content list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def call_text(message: dict[str, Any]) -> str:
    functions = [call.get("function") or {} for call in message.get("tool_calls") or []]
    return "\n".join(f"{fn.get('name', '')} {fn.get('arguments', '')}" for fn in functions)


def messages_text(messages: list[dict[str, Any]]) -> str:
    """Everything a request says: contents (tool results included) and tool call arguments."""
    parts = [content_text(message.get("content")) for message in messages]
    parts += [call_text(message) for message in messages]
    return "\n".join(part for part in parts if part)


def shape_problem(body: Any) -> str | None:
    """What OpenAI would reject about the request's top level, if anything."""
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "you must provide a model parameter"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "Missing required parameter: 'messages'."
    for index, message in enumerate(messages):
        problem = message_problem(message)
        if problem:
            return f"Invalid value for 'messages[{index}]': {problem}"
    if body.get("stream"):
        return "The scripted model does not stream; Kiln never asks it to."
    return limit_problem(body)


def answer_limit(body: Any) -> int | None:
    """The most completion tokens the request allows (either parameter), None when unlimited."""
    if not isinstance(body, dict):
        return None
    return next((body[key] for key in LIMIT_KEYS if body.get(key) is not None), None)


def limit_problem(body: dict[str, Any]) -> str | None:
    for key in LIMIT_KEYS:
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            return (f"Invalid '{key}': integer below minimum value. Expected a value >= 1, "
                    f"but got {value!r} instead.")
    return None


def message_problem(message: Any) -> str | None:
    if not isinstance(message, dict) or message.get("role") not in ROLES:
        return f"role must be one of {sorted(ROLES)}"
    calls = message.get("tool_calls") or []
    well_formed = isinstance(calls, list) and all(
        isinstance(call, dict) and isinstance(call.get("id"), str)
        and isinstance(call.get("function"), dict) for call in calls)
    return None if well_formed else "tool_calls must be a list of {id, type, function}"


def unanswered_calls(messages: list[dict[str, Any]]) -> tuple[set[str], str | None]:
    """Walk the conversation: tool call ids still open, and the first misplaced tool message."""
    pending: set[str] = set()
    for index, message in enumerate(messages):
        if message["role"] == "tool":
            call_id = message.get("tool_call_id")
            if not isinstance(call_id, str) or call_id not in pending:
                return pending, f"messages[{index}]: tool message answers no pending tool call"
            pending.discard(call_id)
        elif pending:
            return pending, None
        for call in message.get("tool_calls") or []:
            pending.add(call.get("id"))
    return pending, None


def protocol_problem(messages: list[dict[str, Any]]) -> str | None:
    """OpenAI's tool call rule: every call is answered by a tool message right after it."""
    pending, misplaced = unanswered_calls(messages)
    if misplaced:
        return (
            "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
            f"message with 'tool_calls'. ({misplaced})"
        )
    if pending:
        return (
            "An assistant message with 'tool_calls' must be followed by tool messages responding "
            "to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
            + ", ".join(sorted(pending))
        )
    return None
