"""The dashboard: server-rendered build list and build pages with a live log, under /builds."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import anyio
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from bot import build_view
from bot.access import DashboardAccess
from bot.live_log import MAX_VIEWERS, STREAM_ID, log_events
from kiln.history import DASHBOARD_PATH, BuildHistory
from kiln.settings import Settings

HERE = Path(__file__).parent
Abandoned = Callable[[str], bool]
"""Whether a job's worker is gone (`worker.state.liveness.JobWatch.abandoned`)."""
PER_PAGE = 25
# Scripts and styles come only from our own static files; inline markup cannot run.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _base_path(request: Request) -> dict[str, str]:
    """Links start from where the dashboard is mounted (a Mount sets ``root_path``)."""
    return {"base": request.scope.get("root_path", "")}


def _templates(abandoned: Abandoned) -> Jinja2Templates:
    templates = Jinja2Templates(directory=HERE / "templates", context_processors=[_base_path])
    templates.env.filters["state_text"] = partial(build_view.state_text, abandoned=abandoned)
    for name in ("duration_text", "elapsed_text", "started_text", "cost_text", "tokens_text",
                 "subject_text", "safe_link", "link_text", "calls_text", "report_due_text"):
        templates.env.filters[name] = getattr(build_view, name)
    return templates


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return max(int(raw), 1) if raw.isdigit() else 1


class Dashboard:
    """The dashboard's endpoints over one build history."""

    def __init__(self, history: BuildHistory, abandoned: Abandoned) -> None:
        self._history = history
        self._abandoned = abandoned
        self._templates = _templates(abandoned)
        self._viewers = anyio.CapacityLimiter(MAX_VIEWERS)

    def build_list(self, request: Request) -> Response:
        page = _page_number(request)
        total = self._history.count()
        context = {"builds": self._history.page(page, PER_PAGE), "page": page,
                   "has_next": page * PER_PAGE < total, "total": total}
        return self._templates.TemplateResponse(request, "builds.html", context,
                                                headers=SECURITY_HEADERS)

    def build_page(self, request: Request) -> Response:
        record = self._history.get(request.path_params["build_id"])
        if record is None:
            return PlainTextResponse("No such build (it may have expired).\n", 404)
        lines = self._history.lines(record.id)
        context = {"build": record, "groups": build_view.group_by_iteration(lines),
                   "last_id": lines[-1].id if lines else "0",
                   "diff": build_view.diff_lines(self._history.diff(record.id))}
        return self._templates.TemplateResponse(request, "build.html", context,
                                                headers=SECURITY_HEADERS)

    def events(self, request: Request) -> Response:
        build_id = request.path_params["build_id"]
        after = request.headers.get("last-event-id") or request.query_params.get("after", "0")
        if not STREAM_ID.match(after):
            return PlainTextResponse("Bad event id.\n", 400)
        if self._history.get(build_id) is None:
            return PlainTextResponse("No such build.\n", 404)
        stream = log_events(self._history, build_id, after, self._viewers, self._abandoned)
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


def dashboard_routes(settings: Settings, history: BuildHistory, abandoned: Abandoned) -> Mount:
    """The dashboard mounted at ``/builds``, behind :class:`DashboardAccess`; a running build
    whose job is `abandoned` is shown as lost."""
    dashboard = Dashboard(history, abandoned)
    routes = [
        Route("/", dashboard.build_list, name="list"),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        Route("/{build_id}", dashboard.build_page, name="build"),
        Route("/{build_id}/events", dashboard.events, name="events"),
    ]
    access = Middleware(DashboardAccess, username=settings.dashboard_username,
                        password=settings.dashboard_password)
    return Mount(DASHBOARD_PATH, routes=routes, middleware=[access], name="dashboard")
