"""The Starlette app: REST requests spend rate limits and reach handlers; git's go to git."""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route as StarletteRoute

from emulators.github.auth import Caller, authenticate
from emulators.github.endpoints.actions import log_routes
from emulators.github.errors import ApiError, not_found
from emulators.github.faults import Faults
from emulators.github.githttp import GitHttp
from emulators.github.manifests import ManifestFlow
from emulators.github.ratelimit import Bucket, Quota, RateLimits
from emulators.github.records import RecordedRequest
from emulators.github.routing import Call, Reply, Router
from emulators.github.state import GitHubState
from emulators.github.webhooks import Outgoing, WebhookSender

METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
RAW = "application/vnd.github.raw"


class ApiServer:
    """Answers GitHub REST requests from the shared state, and git's own over HTTP."""

    def __init__(
        self, state: GitHubState, router: Router, webhooks: WebhookSender, faults: Faults
    ) -> None:
        self.state = state
        self.router = router
        self.webhooks = webhooks
        self.faults = faults
        self.git = GitHttp(state, webhooks)
        self.manifests = ManifestFlow(state)

    @property
    def limits(self) -> RateLimits:
        return self.state.rate_limits

    def asgi(self) -> Starlette:
        rest = StarletteRoute("/{path:path}", self.handle, methods=METHODS)
        return Starlette(routes=[*self.git.routes(), *self.manifests.routes(),
                                 *log_routes(self.state), rest])

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        body = _json(raw)
        path = request.url.path
        with self.state.lock:
            caller = _caller(self.state, request.headers.get("authorization"))
            bucket = _bucket(caller, request, path)
            now = self.state.clock()
            try:
                quota = self._spend(bucket, path, now)
            except ApiError as exceeded:
                reply, events = Reply(exceeded.status, exceeded.body()), list[Outgoing]()
                quota = self.limits.quota(bucket, now)
            else:
                reply, events = self._answer(request, path, body, raw, caller)
            reply.headers.update(quota.headers())
            record = RecordedRequest(
                request.method, path, dict(request.query_params), body, reply.status
            )
            self.state.requests.append(record)
            if reply.unexpected:
                self.state.unexpected.append(record)
        self.webhooks.enqueue(events)
        if reply.status == 204:
            return Response(status_code=204, headers=reply.headers)
        if isinstance(reply.body, bytes):
            return Response(reply.body, reply.status, reply.headers, media_type=RAW)
        return JSONResponse(reply.body, reply.status, reply.headers)

    def _spend(self, bucket: Bucket, path: str, now: float) -> Quota:
        # asking for the rate limit spends none of it
        if path == "/rate_limit":
            return self.limits.quota(bucket, now, start=False)
        return self.limits.spend(bucket, now)

    def _answer(
        self, request: Request, path: str, body: Any, raw: bytes, caller: Caller | ApiError
    ) -> tuple[Reply, list[Outgoing]]:
        fault = self.faults.take(request.method, path)
        if fault is not None and not fault.carried_out:
            return fault.reply(), []
        reply, events = self._route(request, path, body, raw, caller)
        return (fault.reply() if fault is not None else reply), events

    def _route(
        self, request: Request, path: str, body: Any, raw: bytes, caller: Caller | ApiError
    ) -> tuple[Reply, list[Outgoing]]:
        if raw and body is None:
            return Reply(400, ApiError(400, "Problems parsing JSON").body()), []
        found = self.router.match(request.method, path)
        if found is None:
            return Reply(404, not_found().body(), unexpected=True), []
        handler, params = found
        try:
            if isinstance(caller, ApiError):
                raise caller
            call = Call(
                self.state,
                self.webhooks,
                caller,
                params,
                dict(request.query_params),
                body,
                str(request.url).split("?")[0],
                accept=request.headers.get("accept", ""),
            )
            return handler(call), call.events
        except ApiError as error:
            return Reply(error.status, error.body()), []


def _caller(state: GitHubState, header: str | None) -> Caller | ApiError:
    """Who is calling, or the 401 to answer once the endpoint is known to exist."""
    try:
        return authenticate(state, header)
    except ApiError as error:
        return error


def _bucket(caller: Caller | ApiError, request: Request, path: str) -> Bucket:
    resource = "graphql" if path == "/graphql" else "core"
    if isinstance(caller, Caller):
        return caller.bucket(resource)
    return Bucket("address", request.client.host if request.client else "", resource)


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None
