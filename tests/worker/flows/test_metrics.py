"""`/metrics` after a real build in process: the build's ending, its tokens, cost and time, and
the GitHub calls it made, as prometheus-client's parser reads them."""

from __future__ import annotations

from bot.app import create_app
from tests.bot.live_server import serve
from tests.bot.scrape import scrape
from tests.worker import e2e_scripts as script
from tests.worker.flows.conftest import Flows


def test_a_finished_build_shows_in_the_metrics(flows: Flows) -> None:
    number = flows.open_issue()
    flows.build(number, script.passing_build()).assert_done()
    record = flows.records.of_job("job-build")
    assert record is not None and record.tokens > 0

    with serve(create_app(flows.settings)) as url:
        samples = scrape(url)

    assert samples["kiln_builds_total"] == {(("state", "done"),): 1.0}
    assert samples["kiln_tokens_total"] == {(): float(record.tokens)}
    assert samples["kiln_cost_usd_total"] == {(): record.cost_usd}
    assert samples["kiln_build_duration_seconds_count"] == {(): 1.0}
    assert samples["kiln_build_duration_seconds_sum"][()] > 0
    assert samples["kiln_github_api_calls_total"][()] > 0
    (remaining,) = samples["kiln_github_rate_limit_remaining"].values()
    assert remaining > 0
