"""`/metrics` over real HTTP, read with prometheus-client's own parser."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from rq import Queue

from bot.app import create_app
from kiln.history import BuildHistory
from kiln.metrics import SharedMetrics
from kiln.settings import Settings
from kiln.states import BuildState
from tests.bot.live_server import serve


@pytest.fixture
def base_url(settings: Settings, redis_conn: redis.Redis) -> Iterator[str]:
    with serve(create_app(settings)) as url:
        yield url


def scrape(base_url: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Each sample by name and labels."""
    response = httpx.get(f"{base_url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = (
                sample.value)
    return samples


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
