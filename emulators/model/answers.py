"""OpenAI's wire shapes: chat.completion bodies, the model list, and error bodies."""

from __future__ import annotations

import math
from typing import Any

from emulators.model.script import ToolCall
from emulators.model.usage import Usage

OWNER = "kiln-emulator"
ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}
SERVER_ERROR = ("server_error", None)


def tool_call_body(call: ToolCall, call_id: str) -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments_text()},
    }


def completion_body(*, answer_id: str, model: str, created: int, content: str | None,
                    calls: list[dict[str, Any]], usage: Usage | None, cut: bool = False,
                    ) -> dict[str, Any]:
    """A non-streamed chat.completion with one choice; ``usage`` None leaves it out, as some
    OpenAI-compatible servers do; ``cut`` when the completion limit stopped the answer."""
    message = {
        "role": "assistant",
        "content": content,
        "refusal": None,
        "annotations": [],
        "tool_calls": calls or None,
    }
    body = {
        "id": answer_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{
            "index": 0,
            "message": message,
            "logprobs": None,
            "finish_reason": "length" if cut else "tool_calls" if calls else "stop",
        }],
        "service_tier": "default",
        "system_fingerprint": None,
    }
    if usage is not None:
        body["usage"] = usage.to_dict()
    return body


def model_body(name: str, created: int) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": created, "owned_by": OWNER}


def model_list_body(names: list[str], created: int) -> dict[str, Any]:
    return {"object": "list", "data": [model_body(name, created) for name in names]}


def error_body(status: int, message: str) -> dict[str, Any]:
    kind, code = ERROR_TYPES.get(status, SERVER_ERROR)
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def retry_headers(retry_after: float | None) -> dict[str, str]:
    """Both headers providers send: whole seconds, and milliseconds the openai client prefers."""
    if retry_after is None:
        return {}
    return {
        "retry-after": str(math.ceil(retry_after)),
        "retry-after-ms": str(round(retry_after * 1000)),
    }
