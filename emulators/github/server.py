"""The Starlette app: records each request, injects faults, authenticates, dispatches, answers."""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route as StarletteRoute

from emulators.github.auth import authenticate
from emulators.github.errors import ApiError, not_found
from emulators.github.faults import Faults
from emulators.github.ratelimit import RateLimits
from emulators.github.records import RecordedRequest
from emulators.github.routing import Call, Reply, Router
from emulators.github.state import GitHubState
from emulators.github.webhooks import Outgoing, WebhookSender

METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]


class ApiServer:
    """Answers GitHub REST requests from the shared state."""

    def __init__(
        self, state: GitHubState, router: Router, webhooks: WebhookSender, faults: Faults
    ) -> None:
        self.state = state
        self.router = router
        self.webhooks = webhooks
        self.faults = faults
        self.limits = RateLimits()

    def asgi(self) -> Starlette:
        return Starlette(routes=[StarletteRoute("/{path:path}", self.handle, methods=METHODS)])

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        body = _json(raw)
        path = request.url.path
        with self.state.lock:
            reply, events = self._answer(request, path, body, raw)
            reply.headers.update(
                self.limits.headers(
                    request.headers.get(
                        "authorization", request.client.host if request.client else ""
                    ),
                    self.state.clock(),
                )
            )
            record = RecordedRequest(
                request.method, path, dict(request.query_params), body, reply.status
            )
            self.state.requests.append(record)
            if reply.unexpected:
                self.state.unexpected.append(record)
        self.webhooks.enqueue(events)
        if reply.status == 204:
            return Response(status_code=204, headers=reply.headers)
        return JSONResponse(reply.body, reply.status, reply.headers)

    def _answer(
        self, request: Request, path: str, body: Any, raw: bytes
    ) -> tuple[Reply, list[Outgoing]]:
        fault = self.faults.take(request.method, path)
        if fault is not None:
            return fault, []
        if raw and body is None:
            return Reply(400, ApiError(400, "Problems parsing JSON").body()), []
        found = self.router.match(request.method, path)
        if found is None:
            return Reply(404, not_found().body(), unexpected=True), []
        handler, params = found
        try:
            caller = authenticate(self.state, request.headers.get("authorization"))
            call = Call(
                self.state,
                self.webhooks,
                caller,
                params,
                dict(request.query_params),
                body,
                str(request.url).split("?")[0],
            )
            return handler(call), call.events
        except ApiError as error:
            return Reply(error.status, error.body()), []


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None
