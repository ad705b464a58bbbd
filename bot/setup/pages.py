"""The setup pages: a button that sends the manifest to GitHub, and the page GitHub returns to."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from githubkit import GitHub
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from bot.dashboard import SECURITY_HEADERS
from bot.setup.conversion import ConversionFailed, CreatedApp, convert
from bot.setup.envfile import app_settings, readable_by_others, save_settings, with_settings
from bot.setup.handshake import (
    STATE_COOKIE,
    STATE_SECONDS,
    creation_url,
    new_state,
    state_matches,
    valid_code,
    valid_organization,
)
from bot.setup.manifest import SETUP_PATH, manifest_for, page_url

TEMPLATES = Path(__file__).parents[1] / "templates"
BAD_ORGANIZATION = "That is not an organization's login (letters, digits and single dashes)."
BAD_STATE = ("This answer does not carry the state this browser was given: it did not come "
             "from the button on this Kiln's setup page. Start again from the setup page.")
BAD_CODE = "GitHub's code is missing or malformed. Start again from the setup page."

log = logging.getLogger("kiln.setup")


class SetupPages:
    """``GET /setup/`` and ``GET /setup/done`` for one Kiln (settings read at start-up)."""

    def __init__(self, app_yml: dict[str, Any], web_url: str, public_url: str | None,
                 env_file: Path, github: Callable[[], GitHub[Any]]) -> None:
        self._app_yml = app_yml
        self._web_url = web_url
        self._public_url = public_url
        self._env_file = env_file
        self._github = github
        self._templates = Jinja2Templates(directory=TEMPLATES)

    def start(self, request: Request) -> Response:
        """The button, for the operator's account or the organization they name."""
        organization = request.query_params.get("organization", "").strip()
        if organization and not valid_organization(organization):
            return self._render(request, "setup.html", {"error": BAD_ORGANIZATION}, 400)
        opened_at = f"{request.url.scheme}://{request.url.netloc}"
        back = page_url(self._public_url, opened_at)
        manifest = manifest_for(self._app_yml, self._public_url or opened_at, back)
        state = new_state()
        context = {"action": creation_url(self._web_url, organization, state),
                   "manifest": json.dumps(manifest), "organization": organization,
                   "webhook_url": manifest["hook_attributes"]["url"], "name": manifest["name"],
                   "public_url_set": self._public_url is not None}
        response = self._render(request, "setup.html", context)
        response.set_cookie(STATE_COOKIE, state, max_age=STATE_SECONDS, path=SETUP_PATH,
                            secure=back.startswith("https:"), httponly=True, samesite="lax")
        return response

    async def done(self, request: Request) -> Response:
        """GitHub's redirect: check the state, exchange the code, save (or show) the settings."""
        if not state_matches(request.cookies.get(STATE_COOKIE),
                             request.query_params.get("state")):
            return self._render(request, "setup_failed.html", {"error": BAD_STATE}, 400)
        code = request.query_params.get("code", "")
        if not valid_code(code):
            return self._render(request, "setup_failed.html", {"error": BAD_CODE}, 400)
        try:
            created = await convert(self._github(), code)
        except ConversionFailed as failed:
            return self._render(request, "setup_failed.html", {"error": str(failed)}, 502)
        response = self._render(request, "setup_done.html", self._saved(created))
        response.delete_cookie(STATE_COOKIE, path=SETUP_PATH)
        return response

    def _saved(self, created: CreatedApp) -> dict[str, Any]:
        """Write the App's settings to .env when possible; the page's context either way."""
        values = app_settings(created)
        written = save_settings(self._env_file, values, created.name)
        where = f"written to {self._env_file.resolve()}" if written else "shown on the page"
        log.info("created the GitHub App %s (id %d); its settings were %s",
                 created.slug, created.app_id, where)
        return {"app": created, "written": written, "env_path": self._env_file.resolve(),
                "exposed": written and readable_by_others(self._env_file),
                "lines": None if written else with_settings("", values, created.name)}

    def _render(self, request: Request, name: str, context: dict[str, Any],
                status: int = 200) -> Response:
        context = {"base": request.scope.get("root_path", ""), **context}
        return self._templates.TemplateResponse(request, name, context, status_code=status,
                                                headers=SECURITY_HEADERS)
