"""GitHub Actions job logs: the API answers with a redirect to a short-lived plain-text link."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route as StarletteRoute

from emulators.github.ci import LOG_PATH, ci_of, log_link
from emulators.github.errors import not_found
from emulators.github.routing import Call, Reply, Route
from emulators.github.state import GitHubState


def download_job_logs(call: Call) -> Reply:
    """302 to where the log is; GitHub's own link needs no token and expires in a minute."""
    call.require("actions")
    repo = call.repo()
    job_id = call.number("job_id")
    if job_id not in ci_of(call.state, repo).logs:
        raise not_found()
    return Reply(302, b"", {"location": log_link(call.state, repo, job_id)})


def log_routes(state: GitHubState) -> list[StarletteRoute]:
    """The log links themselves, outside the REST API (no Authorization, no rate limit)."""

    async def serve(request: Request) -> Response:
        with state.lock:
            link = state.log_links.get(request.path_params["token"])
            if link is None or link.expires_at < state.clock():
                return Response("expired or unknown log link", status_code=404)
            repo = state.repos[link.repo]
            log = ci_of(state, repo).logs[link.job_id]
        return PlainTextResponse(log)

    return [StarletteRoute(LOG_PATH + "/{token}", serve, methods=["GET"])]


ROUTES = [
    Route("GET", "/repos/{owner}/{repo}/actions/jobs/{job_id}/logs", download_job_logs),
]
