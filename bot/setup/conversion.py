"""The last step of the manifest flow: GitHub's code exchanged for the new App's credentials."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from githubkit import GitHub
from githubkit.exception import GitHubException, RequestFailed

EXPIRED = ("GitHub does not know this code: it is used once and expires after an hour. "
           "Start again from the setup page.")
INCOMPLETE = ("GitHub's answer lacks the App's slug or webhook secret; finish configuring the "
              "App by hand from its settings page on GitHub.")


class ConversionFailed(Exception):
    """The code could not be exchanged; the message says why, for the page."""


@dataclass(frozen=True)
class CreatedApp:
    """The App GitHub registered from Kiln's manifest."""

    app_id: int
    slug: str
    name: str
    html_url: str
    pem: str = field(repr=False)
    webhook_secret: str = field(repr=False)

    @property
    def install_url(self) -> str:
        """Where its owner installs it on accounts and repositories."""
        return f"{self.html_url.rstrip('/')}/installations/new"


async def convert(github: GitHub[Any], code: str) -> CreatedApp:
    """``POST /app-manifests/{code}/conversions`` (no authentication: the code is the proof)."""
    try:
        response = await github.rest.apps.async_create_from_manifest(code)
    except RequestFailed as failed:
        if failed.response.status_code == 404:
            raise ConversionFailed(EXPIRED) from None
        raise ConversionFailed(f"GitHub answered {failed.response.status_code}") from None
    except GitHubException as error:
        raise ConversionFailed(f"GitHub could not be reached: {error}") from None
    data = response.parsed_data
    if not data.webhook_secret or not isinstance(data.slug, str):
        raise ConversionFailed(INCOMPLETE)
    return CreatedApp(data.id, data.slug, data.name, data.html_url, data.pem, data.webhook_secret)
