"""The App's webhook delivery log through GitHub's API: listed with a cursor, and redelivered."""

from __future__ import annotations

import pytest
from githubkit import GitHub
from githubkit.exception import RequestFailed

from tests.emulators.conftest import GitHubWorld, WebhookReceiver

UNREACHABLE = "http://127.0.0.1:9/api/github/webhooks"


def test_a_failed_delivery_is_listed_and_redelivered_with_its_guid(
    github: GitHubWorld, webhook_receiver: WebhookReceiver
) -> None:
    github.emu.set_webhook_url(UNREACHABLE)
    github.emu.open_issue("alice", "proj", "T", "B", "alice")
    github.emu.set_webhook_url(webhook_receiver.url)
    with github.app_client() as app:
        (failed,) = app.rest.apps.list_webhook_deliveries().parsed_data
        assert (failed.status_code, failed.status) == (0, "failed to connect")
        assert (failed.event, failed.action, failed.redelivery) == ("issues", "opened", False)
        assert failed.installation_id == github.installation_id
        with github.client() as gh:
            assert failed.repository_id == gh.rest.repos.get("alice", "proj").parsed_data.id

        assert app.rest.apps.redeliver_webhook_delivery(failed.id).status_code == 202
        github.emu.wait_for_deliveries()
        again, first = app.rest.apps.list_webhook_deliveries().parsed_data

    assert first.id == failed.id and again.id != failed.id and again.guid == failed.guid
    assert (again.status_code, again.status, again.redelivery) == (202, "OK", True)
    (received,) = webhook_receiver.received
    assert received.headers["X-GitHub-Delivery"] == failed.guid


def test_deliveries_page_newest_first_by_cursor_and_filter_by_outcome(
    github: GitHubWorld, webhook_receiver: WebhookReceiver
) -> None:
    github.emu.set_webhook_url(webhook_receiver.url)
    for title in ("one", "two", "three"):
        github.emu.open_issue("alice", "proj", title, "B", "alice")
    github.emu.set_webhook_url(UNREACHABLE)
    github.emu.open_issue("alice", "proj", "four", "B", "alice")
    with github.app_client() as app:
        listed = list(app.rest.paginate(app.rest.apps.list_webhook_deliveries, per_page=2))
        first_page = app.rest.apps.list_webhook_deliveries(per_page=2)
        failures = app.rest.apps.list_webhook_deliveries(status="failure").parsed_data

    assert [d.id for d in listed] == sorted((d.id for d in listed), reverse=True)
    assert [d.status_code for d in listed] == [0, 202, 202, 202]
    assert 'rel="next"' in first_page.headers["link"] and "cursor=" in first_page.headers["link"]
    assert [d.id for d in failures] == [listed[0].id]


def test_only_the_app_itself_sees_its_deliveries(github: GitHubWorld) -> None:
    github.emu.set_webhook_url(UNREACHABLE)
    github.emu.open_issue("alice", "proj", "T", "B", "alice")
    token = GitHub(github.token(), base_url=github.url, http_cache=False)
    with token, github.app_client() as app:
        with pytest.raises(RequestFailed) as refused:
            token.rest.apps.list_webhook_deliveries()
        with pytest.raises(RequestFailed) as missing:
            app.rest.apps.redeliver_webhook_delivery(999_999)
    assert refused.value.response.status_code == 401
    assert missing.value.response.status_code == 404
