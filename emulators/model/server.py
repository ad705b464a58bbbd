"""The scripted model's HTTP face: OpenAI's chat completions and models endpoints."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from emulators.model.answers import error_body, model_body, model_list_body
from emulators.model.conversation import answer_limit
from emulators.model.replay import Answer, Replay
from emulators.model.script import Turn, load_script
from emulators.serving import serving

DEFAULT_MODELS = ("gpt-4.1-mini",)
MODELS_CREATED = 1_700_000_000


class ScriptedModel:
    """An OpenAI-compatible server replaying scripted turns and recording every request."""

    def __init__(self, turns: Iterable[Turn], models: Sequence[str] = DEFAULT_MODELS,
                 send_usage: bool = True) -> None:
        self.replay = Replay(turns, send_usage=send_usage)
        self.models = list(models)
        self.requests: list[Any] = []
        self.arrivals: list[float] = []  # when each chat request came (time.perf_counter)
        self.app = Starlette(routes=[
            Route("/v1/chat/completions", self.chat, methods=["POST"]),
            Route("/v1/models", self.list_models, methods=["GET"]),
            Route("/v1/models/{name:path}", self.get_model, methods=["GET"]),
            Route("/{path:path}", self.unexpected,
                  methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ])

    @classmethod
    def from_file(cls, path: str | Path, models: Sequence[str] = DEFAULT_MODELS,
                  send_usage: bool = True) -> ScriptedModel:
        return cls(load_script(path), models, send_usage)

    @property
    def failures(self) -> list[str]:
        return self.replay.failures

    @property
    def answer_limits(self) -> list[int | None]:
        """Each chat request's completion limit (``max_completion_tokens`` or ``max_tokens``)."""
        return [answer_limit(body) for body in self.requests]

    @property
    def remaining(self) -> int:
        """Scripted turns no request has used yet."""
        return self.replay.remaining

    def assert_ok(self) -> None:
        """Raise AssertionError listing every failure (expectation misses, exhaustion, ...)."""
        if self.failures:
            raise AssertionError("scripted model failures:\n- " + "\n- ".join(self.failures))

    def assert_done(self) -> None:
        """assert_ok, and every scripted turn was used."""
        self.assert_ok()
        if self.remaining:
            raise AssertionError(f"{self.remaining} scripted turns were never requested")

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve in a background thread; yields the base URL, like http://127.0.0.1:PORT/v1."""
        with serving(self.app, host, port) as root:
            yield f"{root}/v1"

    async def chat(self, request: Request) -> JSONResponse:
        self.arrivals.append(time.perf_counter())
        try:
            body = json.loads(await request.body())
        except ValueError:
            return respond(self.replay.fail(400, "request body is not valid JSON"))
        self.requests.append(body)
        if not has_bearer(request):
            return respond(self.replay.fail(401, "missing bearer token in Authorization header"))
        self.note_model(body)
        answer = self.replay.answer(body)
        # Sleeping here, not in Replay, keeps the event loop free for other requests.
        if answer.hang:
            await asyncio.Event().wait()  # until the server stops and cancels it
        await asyncio.sleep(answer.delay)
        return respond(answer)

    def note_model(self, body: Any) -> None:
        name = body.get("model") if isinstance(body, dict) else None
        if isinstance(name, str) and name and name not in self.models:
            self.models.append(name)

    async def list_models(self, request: Request) -> JSONResponse:
        return JSONResponse(model_list_body(self.models, MODELS_CREATED))

    async def get_model(self, request: Request) -> JSONResponse:
        name = request.path_params["name"]
        if name not in self.models:
            return respond(Answer(404, error_body(404, f"The model '{name}' does not exist")))
        return JSONResponse(model_body(name, MODELS_CREATED))

    async def unexpected(self, request: Request) -> JSONResponse:
        message = f"unexpected request {request.method} {request.url.path}"
        return respond(self.replay.fail(404, message))


def has_bearer(request: Request) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


def respond(answer: Answer) -> JSONResponse:
    return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)

