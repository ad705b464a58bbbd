"""Git's smart HTTP protocol: GitHub's token auth in front of `git http-backend` run as CGI."""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field

from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from emulators.github import shapes
from emulators.github.auth import Caller, can_reach, has_permission, token_caller
from emulators.github.errors import ApiError
from emulators.github.gitenv import git_env
from emulators.github.operations import take_pushed_refs
from emulators.github.records import RecordedRequest, Repo
from emulators.github.state import GitHubState
from emulators.github.webhooks import WebhookSender

UPLOAD, RECEIVE = "git-upload-pack", "git-receive-pack"
TAILS = ("info/refs", UPLOAD, RECEIVE)
CHUNK = 64 * 1024
BAD_CREDENTIALS = (
    "Invalid username or token. Password authentication is not supported for Git operations."
)
# request headers CGI passes in variables of their own, or never (the credentials)
NOT_PASSED = {"authorization", "content-type", "content-length"}


@dataclass
class Refusal(Exception):
    """GitHub's answer to a git request it will not serve, in plain text as git shows it."""

    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> Response:
        body = f"{self.message}\n" if self.message else ""
        return PlainTextResponse(body, self.status, self.headers)


class PipedResponse(StreamingResponse):
    """A streamed answer that leaves the request body to the feeder. Starlette's own watches
    for a disconnect by reading the request, which would take a push's later chunks."""

    def __init__(self, body: AsyncGenerator[bytes, None], status: int, headers: dict[str, str]):
        super().__init__(body, status, headers)
        self.chunks = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.stream_response(send)
        finally:
            await self.chunks.aclose()  # a client gone mid-answer: stop git at once


class GitHttp:
    """Serves ``/{owner}/{repo}.git/info/refs``, ``…/git-upload-pack`` and
    ``…/git-receive-pack``. Git requests are recorded apart from REST calls and spend no
    rate limit; a push that moves a branch moves its open pull requests (``synchronize``)."""

    def __init__(self, state: GitHubState, webhooks: WebhookSender) -> None:
        self.state = state
        self.webhooks = webhooks

    def routes(self) -> list[Route]:
        return [
            Route(f"/{{owner}}/{{repo}}/{tail}", self.handle, methods=["GET", "POST"])
            for tail in TAILS
        ]

    async def handle(self, request: Request) -> Response:
        tail = next(t for t in TAILS if request.url.path.endswith("/" + t))
        # info/refs names its service in the query: ?service=git-upload-pack
        service = tail if tail != "info/refs" else request.query_params.get("service", "")
        try:
            with self.state.lock:
                repo, caller = self._authorize(request, service)
        except Refusal as refusal:
            self._record(request, refusal.status)
            return refusal.response()
        return await self._backend(request, repo, caller, tail)

    def _authorize(self, request: Request, service: str) -> tuple[Repo, Caller]:
        if service not in (UPLOAD, RECEIVE):
            raise Refusal(403, "GitHub does not serve git's dumb HTTP protocol.")
        caller = _caller(self.state, request.headers.get("authorization"))
        owner, name = request.path_params["owner"], request.path_params["repo"]
        repo = self.state.repos.get((owner.lower(), name.lower().removesuffix(".git")))
        if repo is None or (repo.private and not can_reach(caller, repo)):
            raise Refusal(404, "Repository not found.")
        writes = service == RECEIVE
        if not can_reach(caller, repo) or (
            writes and not has_permission(caller, "contents", "write")
        ):
            raise Refusal(403, f"Permission to {repo.full_name}.git denied to {caller.login}.")
        return repo, caller

    async def _backend(self, request: Request, repo: Repo, caller: Caller, tail: str) -> Response:
        relative = repo.git.path.relative_to(self.state.git_root).as_posix()
        env = git_env(
            GIT_PROJECT_ROOT=str(self.state.git_root),
            GIT_HTTP_EXPORT_ALL="1",
            PATH_INFO=f"/{relative}/{tail}",
            REQUEST_METHOD=request.method,
            QUERY_STRING=request.url.query,
            CONTENT_TYPE=request.headers.get("content-type", ""),
            REMOTE_USER=caller.login,
            REMOTE_ADDR=request.client.host if request.client else "",
            **_header_variables(request),
        )
        if "content-length" in request.headers:
            env["CONTENT_LENGTH"] = request.headers["content-length"]
        process = await asyncio.create_subprocess_exec(
            "git", "http-backend", env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        assert process.stdin is not None and process.stdout is not None
        feeding = asyncio.create_task(_feed(request, process.stdin))
        status, headers = await _cgi_head(process.stdout)
        self._record(request, status)
        pushed = tail == RECEIVE
        after = (lambda: self._after_push(repo, caller)) if pushed else (lambda: None)
        return PipedResponse(_body(process, feeding, after), status, headers)

    def _after_push(self, repo: Repo, caller: Caller) -> None:
        """Pick up the refs the push moved, before git's client sees the answer end."""
        with self.state.lock:
            events = []
            for issue, before in take_pushed_refs(self.state, repo):
                fields = shapes.synchronize_fields(self.state, repo, issue, before)
                events += self.webhooks.build(
                    repo, "pull_request", "synchronize", caller.login, fields
                )
        self.webhooks.enqueue(events)

    def _record(self, request: Request, status: int) -> None:
        record = RecordedRequest(
            request.method, request.url.path, dict(request.query_params), None, status
        )
        with self.state.lock:
            self.state.git_requests.append(record)


def _caller(state: GitHubState, header: str | None) -> Caller:
    """The installation whose token the request carries: as a Basic password (user
    ``x-access-token``, as GitHub documents; any user name works), or a Bearer token."""
    token = _token(header or "")
    if not token:
        raise Refusal(401, "", {"WWW-Authenticate": 'Basic realm="GitHub"'})
    try:
        return token_caller(state, token)
    except ApiError:
        raise Refusal(401, BAD_CREDENTIALS, {"WWW-Authenticate": 'Basic realm="GitHub"'}) from None


def _token(header: str) -> str:
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "token"):
        return value.strip()
    if scheme.lower() != "basic":
        return ""
    try:
        user, _, password = base64.b64decode(value.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return password or user


def _header_variables(request: Request) -> dict[str, str]:
    """Request headers as CGI variables: ``Git-Protocol`` becomes ``HTTP_GIT_PROTOCOL`` (which
    selects protocol v2) and ``Content-Encoding: gzip`` lets git inflate the body itself."""
    return {
        "HTTP_" + name.upper().replace("-", "_"): value
        for name, value in request.headers.items()
        if name.lower() not in NOT_PASSED
    }


async def _feed(request: Request, stdin: asyncio.StreamWriter) -> None:
    """Stream the request body into git while its answer streams out (neither waits)."""
    try:
        async for chunk in request.stream():
            if stdin.is_closing():
                break  # git has answered and closed its input (uvloop raises on a write)
            stdin.write(chunk)
            await stdin.drain()
    except (BrokenPipeError, ConnectionResetError, ClientDisconnect):
        pass  # git stopped reading, or the client went away: the answer tells
    finally:
        stdin.close()


async def _cgi_head(stdout: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    """The status and headers a CGI program writes before its body."""
    status, headers = 200, {}
    first = True
    while line := (await stdout.readline()).rstrip(b"\r\n"):
        first = False
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "status":
            status = int(value.split()[0])
        else:
            headers[name] = value.strip()
    return (500, {}) if first and stdout.at_eof() else (status, headers)


async def _body(
    process: asyncio.subprocess.Process, feeding: asyncio.Task[None], after: Callable[[], None]
) -> AsyncGenerator[bytes, None]:
    assert process.stdout is not None
    try:
        while chunk := await process.stdout.read(CHUNK):
            yield chunk
        await process.wait()
        await feeding
        after()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        feeding.cancel()
