"""GitHub's App-manifest flow: the web pages that register an App, and the code's conversion."""

from __future__ import annotations

import html
import json
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from emulators.github import shapes
from emulators.github.errors import not_found
from emulators.github.records import ManifestCode, RecordedRequest
from emulators.github.registration import register_app
from emulators.github.state import GitHubState

CODE_LIFETIME = 3600.0  # GitHub: the whole flow must be completed within an hour
MAX_NAME = 34  # GitHub's longest App name
CREATE_PATH = "/settings/apps/new/create"
CONVERSION = "/app-manifests/{code}/conversions"

NEW_APP_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Register new GitHub App</title></head>
<body><h1>Create GitHub App for {owner}</h1>
<p class="error">{error}</p>
<form method="post" action="{action}">
<label>GitHub App name <input name="name" value="{name}"></label>
<input type="hidden" name="manifest" value="{manifest}">
<input type="hidden" name="state" value="{state}">
<input type="hidden" name="organization" value="{organization}">
<p>Webhook URL: <code>{hook}</code></p>
<button type="submit">Create GitHub App</button>
</form></body></html>
"""
CREATED_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{name}</title></head>
<body><h1>{name}</h1><p>Your GitHub App has been created.</p></body></html>
"""


class ManifestProblem(ValueError):
    """A manifest GitHub refuses, with the message its page shows."""


def slug_for(name: str) -> str:
    """The slug GitHub derives from an App's name: lower case, other characters as dashes."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def parse_manifest(text: str) -> dict[str, Any]:
    """The posted ``manifest`` field as GitHub reads it, or the problem its page names."""
    try:
        manifest = json.loads(text)
    except ValueError:
        raise ManifestProblem("Invalid GitHub App manifest: not JSON") from None
    if not isinstance(manifest, dict):
        raise ManifestProblem("Invalid GitHub App manifest: not an object")
    if not isinstance(manifest.get("url"), str) or not manifest["url"]:
        raise ManifestProblem("Invalid GitHub App manifest: url is required")
    hook = manifest.get("hook_attributes")
    if hook is not None and not (isinstance(hook, dict) and hook.get("url")):
        raise ManifestProblem("Invalid GitHub App manifest: hook_attributes.url is required")
    return manifest


def check_name(name: str, taken: set[str]) -> None:
    if not name.strip() or len(name) > MAX_NAME:
        raise ManifestProblem(f"Name must be 1 to {MAX_NAME} characters long")
    if slug_for(name) in taken or not slug_for(name):
        raise ManifestProblem("Name is already in use")


async def _form(request: Request) -> dict[str, str]:
    """A posted HTML form's fields (application/x-www-form-urlencoded, as browsers send it)."""
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace")))


def redirect_target(redirect_url: str, code: str, state: str) -> str:
    """``redirect_url`` with the code, and the state when the flow was given one."""
    query = urlencode({"code": code, **({"state": state} if state else {})})
    return f"{redirect_url}{'&' if '?' in redirect_url else '?'}{query}"


class ManifestFlow:
    """The web side of the flow (as the signed-in user) and ``POST /app-manifests/{code}/...``."""

    def __init__(self, state: GitHubState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        return [
            Route("/settings/apps/new", self.new_app, methods=["POST"]),
            Route("/organizations/{org}/settings/apps/new", self.new_app, methods=["POST"]),
            Route(CREATE_PATH, self.create, methods=["POST"]),
            Route(CONVERSION, self.conversion, methods=["POST"]),
        ]

    async def new_app(self, request: Request) -> Response:
        """The page GitHub shows for a posted manifest: its name, editable, and a Create button."""
        form = await _form(request)
        organization = request.path_params.get("org", "")
        with self.state.lock:
            refusal = self._refusal(organization)
        if refusal is not None:
            return refusal
        fields = {"manifest": form.get("manifest", ""),
                  "state": request.query_params.get("state", ""), "organization": organization}
        try:
            manifest = parse_manifest(fields["manifest"])
        except ManifestProblem as problem:
            return HTMLResponse(html.escape(str(problem)), 422)
        return self._page(fields, str(manifest.get("name", "")), "")

    async def create(self, request: Request) -> Response:
        """The Create button: register the App, then back to ``redirect_url`` with a code."""
        form = await _form(request)
        fields = {key: form.get(key, "") for key in ("manifest", "state", "organization")}
        name = form.get("name", "")
        with self.state.lock:
            refusal = self._refusal(fields["organization"])
            taken = {app.slug for app in self.state.apps.values()}
        if refusal is not None:
            return refusal
        try:
            manifest = parse_manifest(fields["manifest"])
            check_name(name, taken)
        except ManifestProblem as problem:
            return self._page(fields, name, str(problem), 422)
        code = self._register(manifest, name, fields["organization"])
        redirect_url = manifest.get("redirect_url")
        if not redirect_url:
            return HTMLResponse(CREATED_PAGE.format(name=html.escape(name)))
        return RedirectResponse(redirect_target(redirect_url, code.code, fields["state"]), 302)

    async def conversion(self, request: Request) -> Response:
        """The code, once, within the hour, for the App's id, key, secrets and settings."""
        code_text = request.path_params["code"]
        with self.state.lock:
            code = self.state.manifest_codes.pop(code_text, None)
            if code is None or code.expires_at <= self.state.clock():
                status, body = 404, not_found().body()
            else:
                status, body = 201, self._converted(code)
            self.state.requests.append(
                RecordedRequest("POST", request.url.path, {}, None, status))
        return JSONResponse(body, status)

    def _refusal(self, organization: str) -> Response | None:
        """GitHub's answer when nobody is signed in or the organization does not exist."""
        if self.state.web_user is None:
            return HTMLResponse("Sign in to GitHub first (GitHubEmulator.sign_in).", 401)
        if organization and not self.state.is_organization(organization):
            return HTMLResponse("Not Found", 404)
        return None

    def _page(self, fields: dict[str, str], name: str, error: str, status: int = 200) -> Response:
        try:
            hook = parse_manifest(fields["manifest"]).get("hook_attributes") or {}
        except ManifestProblem:
            hook = {}
        owner = fields["organization"] or self.state.web_user or ""
        values = {key: html.escape(value) for key, value in fields.items()}
        page = NEW_APP_PAGE.format(owner=html.escape(owner), error=html.escape(error),
                                   action=CREATE_PATH, name=html.escape(name),
                                   hook=html.escape(str(hook.get("url", ""))), **values)
        return HTMLResponse(page, status)

    def _register(self, manifest: dict[str, Any], name: str, organization: str) -> ManifestCode:
        hook = manifest.get("hook_attributes") or {}
        webhook_url = hook.get("url") if hook.get("active", True) else None
        app = register_app(self.state, slug_for(name), secrets.token_hex(20), webhook_url)
        with self.state.lock:
            owner = organization or self.state.web_user or ""
            code = ManifestCode(secrets.token_hex(20), app.id, owner, name, manifest,
                                secrets.token_hex(20), self.state.clock() + CODE_LIFETIME)
            self.state.manifest_codes[code.code] = code
        return code

    def _converted(self, code: ManifestCode) -> dict[str, Any]:
        """GitHub's answer to a conversion: the App as ``GET /app`` shows it, and its secrets."""
        app = self.state.apps[code.app_id]
        manifest = code.manifest
        return {
            **shapes.app(self.state, app),
            "owner": shapes.user(self.state, code.owner),
            "name": code.name,
            "description": manifest.get("description") or "",
            "external_url": manifest["url"],
            "permissions": {"metadata": "read", **manifest.get("default_permissions", {})},
            "events": list(manifest.get("default_events", [])),
            "client_secret": code.client_secret,
            "webhook_secret": app.webhook_secret,
            "pem": app.private_key_pem,
        }
