"""The web process without a GitHub App: /setup creates one through GitHub's manifest flow."""

from __future__ import annotations

import logging

from githubkit import GitHub
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.access import DashboardAccess
from bot.setup.manifest import SETUP_PATH, load_app_yml
from bot.setup.pages import TEMPLATES, SetupPages
from kiln.settings import ENV_FILE, Settings

STATIC = TEMPLATES.parent / "static"
SETUP_MODE = "no GitHub App is configured: serving only %s/, which creates one"


def setup_app(settings: Settings) -> Starlette:
    """The setup pages, behind the dashboard's access rule (whoever uses them picks the App)."""
    pages = SetupPages(load_app_yml(), settings.github_web_url, settings.public_url, ENV_FILE,
                       lambda: GitHub(base_url=settings.github_api_url,
                                      timeout=settings.github_timeout_seconds))
    routes = [
        Route("/", pages.start, methods=["GET"]),
        Route("/done", pages.done, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC)),
    ]
    access = Middleware(DashboardAccess, username=settings.dashboard_username,
                        password=settings.dashboard_password)
    logging.getLogger("kiln.setup").warning(SETUP_MODE, SETUP_PATH)
    return Starlette(routes=[
        Mount(SETUP_PATH, routes=routes, middleware=[access]),
        Route("/", lambda request: RedirectResponse(f"{SETUP_PATH}/"), methods=["GET"]),
        # The process is up and doing its one job; compose's health check should say so.
        Route("/healthz", lambda request: JSONResponse({"app": "not configured",
                                                        "setup": f"{SETUP_PATH}/"}),
              methods=["GET"]),
    ])
