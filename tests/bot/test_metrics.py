"""`/metrics` over real HTTP, read with prometheus-client's own parser."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis
from prometheus_client import CollectorRegistry
from rq import Queue
from starlette.applications import Starlette

from bot.app import create_app
from bot.metrics import WebhookCounter, metrics_route
from kiln.history import BuildHistory
from kiln.metrics import SharedMetrics
from kiln.settings import Settings
from kiln.states import BuildState
from tests.bot.live_server import serve
from tests.bot.scrape import scrape


@pytest.fixture
def base_url(settings: Settings, redis_conn: redis.Redis) -> Iterator[str]:
    with serve(create_app(settings)) as url:
        yield url


def test_a_fresh_kiln_reports_zeros_and_empty_queues(base_url: str) -> None:
    samples = scrape(base_url)

    assert samples["kiln_tokens_total"] == {(): 0.0}
    assert samples["kiln_github_api_calls_total"] == {(): 0.0}
    assert samples["kiln_queue_depth"] == {(("queue", "kiln"),): 0.0,
                                           (("queue", "kiln-commands"),): 0.0}
    assert samples["kiln_build_duration_seconds_count"] == {(): 0.0}


def test_finished_builds_queues_and_worker_counts(base_url: str, redis_conn: redis.Redis,
                                                  ) -> None:
    history = BuildHistory(redis_conn, 3600)
    for state, tokens in ((BuildState.DONE, 1000), (BuildState.FAILED, 500),
                          (BuildState.DONE, 250)):
        build_id = history.start(repo="o/r", number=1, kind="build", trigger="t", job_id="j")
        history.update(build_id, tokens=tokens, cost_usd=0.01)
        history.finish(build_id, state)
    shared = SharedMetrics(redis_conn)
    shared.add("sandbox_starts", 2)
    shared.add("install_cache", result="hit")
    shared.set("github_remaining", 4321, installation="7")
    Queue("kiln", connection=redis_conn).enqueue("tests.bot.probe_jobs.echo")

    samples = scrape(base_url)

    assert samples["kiln_builds_total"] == {(("state", "done"),): 2.0,
                                            (("state", "failed"),): 1.0}
    assert samples["kiln_tokens_total"] == {(): 1750.0}
    assert samples["kiln_cost_usd_total"][()] == pytest.approx(0.03)
    assert samples["kiln_build_duration_seconds_count"] == {(): 3.0}
    assert samples["kiln_build_duration_seconds_bucket"][(("le", "30.0"),)] == 3.0
    assert samples["kiln_sandbox_starts_total"] == {(): 2.0}
    assert samples["kiln_install_cache_total"] == {(("result", "hit"),): 1.0}
    assert samples["kiln_github_rate_limit_remaining"] == {(("installation", "7"),): 4321.0}
    assert samples["kiln_queue_depth"][(("queue", "kiln"),)] == 1.0
    assert samples["kiln_queue_oldest_age_seconds"][(("queue", "kiln"),)] >= 0.0


def test_metrics_follow_the_dashboards_access_rule(make_settings, redis_conn) -> None:
    settings = make_settings(dashboard_username="ops", dashboard_password="s3cret")
    with serve(create_app(settings)) as url:
        assert httpx.get(f"{url}/metrics").status_code == 401
        assert httpx.get(f"{url}/metrics", auth=("ops", "s3cret")).status_code == 200


def test_webhooks_counted_in_the_web_process_are_scraped(settings: Settings,
                                                         redis_conn: redis.Redis) -> None:
    registry = CollectorRegistry()
    webhooks = WebhookCounter(registry)
    for event, outcome in (("issues", "queued"), ("issues", "queued"), ("ping", "ignored")):
        webhooks.count(event, outcome)

    with serve(Starlette(routes=[metrics_route(settings, redis_conn, registry)])) as url:
        samples = scrape(url)

    assert samples["kiln_webhooks_total"] == {
        (("event", "issues"), ("outcome", "queued")): 2.0,
        (("event", "ping"), ("outcome", "ignored")): 1.0}


def test_docker_gauges_appear_once_a_worker_has_checked(base_url: str,
                                                        redis_conn: redis.Redis) -> None:
    assert "kiln_docker_up" not in scrape(base_url)  # a 0 would say Docker is down

    SharedMetrics(redis_conn).report_docker(False, 1234.5)
    samples = scrape(base_url)

    assert samples["kiln_docker_up"] == {(): 0.0}
    assert samples["kiln_docker_last_check_timestamp_seconds"] == {(): 1234.5}
