"""End to end with real workers: Redis restarting under them, a delivery refused while Redis
was away, and a cancelled queued build (a build worker dying with no other build worker:
`test_e2e_losses`)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from rq import Queue, Worker
from rq.job import Job, JobStatus

from emulators.localhost import wait_until
from tests.worker import e2e_scripts as script
from tests.worker.conftest import MAINTAINER, OWNER, REPO, KilnStack, RestartableRedis

pytestmark = pytest.mark.docker
TRIGGER = "build me"
DELIVERIES_PATH = "/app/hook/deliveries"
MODEL_PAUSE_SECONDS = 20  # longer than a Redis outage that spans a worker heartbeat


def _reply_to(kiln: KilnStack, number: int, text: str, timeout: float = 30) -> str:
    """Comment as the maintainer and wait for Kiln's one reply to that comment."""
    comment_id = kiln.emulator.comment(OWNER, REPO, number, text, MAINTAINER)
    marker = f"<!-- kiln:command {comment_id} -->"
    return str(wait_until(lambda: next((c.body for c in kiln.emulator.issue(
        OWNER, REPO, number).comments if marker in c.body), None), timeout,
        f"a reply to {text}"))


def _labelled(kiln: KilnStack, title: str = "Add subtraction") -> int:
    number = kiln.emulator.open_issue(OWNER, REPO, title, "calc.sub(a, b) should return a - b.",
                                      MAINTAINER)
    kiln.emulator.label_issue(OWNER, REPO, number, TRIGGER, MAINTAINER)
    return number


def _checks_of_the_log(kiln: KilnStack) -> int:
    return sum(1 for r in kiln.emulator.requests if r.path == DELIVERIES_PATH)


def test_a_worker_outlives_redis_restarts_and_runs_what_was_queued(
        restartable_redis: RestartableRedis, start_kiln: Callable[..., KilnStack]) -> None:
    first = script.passing_build()
    slow = [first[0], *script.paced(first[1:2], MODEL_PAUSE_SECONDS), first[2]]
    kiln = start_kiln(slow + script.passing_build(), redis_url=restartable_redis.url)
    (worker,) = kiln.workers
    running = _labelled(kiln)
    wait_until(lambda: len(kiln.model.requests) == 2, 60, "the build to wait on the model")
    queued = _labelled(kiln, "Add subtraction again")
    wait_until(lambda: kiln.redis.llen(f"rq:queue:{kiln.settings.queue_name}") == 1, 30,
               "the second build to be queued")

    restartable_redis.stop()  # until the worker has missed a heartbeat: RQ alone quits here
    wait_until(lambda: "Redis unreachable during the heartbeat" in kiln.worker_logs(), 30,
               "a heartbeat to fail")
    restartable_redis.start()

    kiln.wait_for_state(running, "done", timeout=120)
    kiln.wait_for_state(queued, "done", timeout=120)
    restartable_redis.stop()  # and once more with the worker idle
    restartable_redis.start()
    assert "nothing is running here" in _reply_to(kiln, running, "/kiln status")
    assert worker.poll() is None
    assert [w.name for w in Worker.all(connection=kiln.redis)] == ["kiln-test-0"]
    assert len(kiln.emulator.pulls(OWNER, REPO)) == 2


def test_a_delivery_refused_while_redis_was_down_is_redelivered_and_built_once(
        restartable_redis: RestartableRedis, start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(script.passing_build(), redis_url=restartable_redis.url,
                      redelivery_interval_seconds=1)
    restartable_redis.stop()
    number = _labelled(kiln)
    (refused,) = [d for d in kiln.emulator.deliveries if d.action == "labeled"]
    assert refused.status_code == 503
    restartable_redis.start()

    kiln.wait_for_state(number, "done", timeout=120)
    checked = _checks_of_the_log(kiln)
    wait_until(lambda: _checks_of_the_log(kiln) >= checked + 2, 60,
               "two more passes over the delivery log")

    # Redelivered until accepted, then never again.
    labelled = [d for d in kiln.emulator.deliveries if d.id == refused.id]
    assert [d.status_code for d in labelled][-1] == 202
    assert all(d.status_code == 503 and d.redelivery for d in labelled[1:-1])
    assert len(kiln.emulator.pulls(OWNER, REPO)) == 1
    assert len(kiln.emulator.commits(OWNER, REPO, f"kiln/issue-{number}")) == 2
    assert len(kiln.emulator.issue(OWNER, REPO, number).comments) == 1
    kiln.model.assert_done()


def test_cancel_of_a_queued_build_means_it_never_runs(
        start_kiln: Callable[..., KilnStack]) -> None:
    kiln = start_kiln(script.never_finishing_build(), workers=1, command_workers=1)
    running, running_job = kiln.start_build()
    waiting = _labelled(kiln, "Add multiplication")
    queue_key = f"rq:queue:{kiln.settings.queue_name}"
    wait_until(lambda: kiln.redis.llen(queue_key) == 1, 30, "the second build to be queued")
    (waiting_job,) = Queue(kiln.settings.queue_name, connection=kiln.redis).get_job_ids()

    assert "queued here" in _reply_to(kiln, waiting, "/kiln status")
    assert "queued build will not run" in _reply_to(kiln, waiting, "/kiln cancel")
    assert "Cancelled by @alice" in _reply_to(kiln, running, "/kiln cancel")
    wait_until(lambda: Job.fetch(running_job, connection=kiln.redis).get_status()
               in (JobStatus.STOPPED, JobStatus.FAILED), 30, "the running build to stop")
    wait_until(lambda: kiln.redis.llen(queue_key) == 0 and all(
        w.get_state() == "idle" for w in Worker.all(connection=kiln.redis)), 30,
        "every worker to be idle")

    assert Job.fetch(waiting_job, connection=kiln.redis).get_status() == JobStatus.CANCELED
    bodies = [c.body for c in kiln.emulator.issue(OWNER, REPO, waiting).comments
              if c.user == kiln.world.app.bot_login]
    assert len(bodies) == 2 and all("kiln:command" in body for body in bodies)
    assert kiln.emulator.issue(OWNER, REPO, waiting).reactions == []


def test_every_delivery_answered_202_across_a_redis_restart_is_built(
        restartable_redis: RestartableRedis, start_kiln: Callable[..., KilnStack]) -> None:
    builds = 5
    kiln = start_kiln([turn for _ in range(builds) for turn in script.passing_build()],
                      redis_url=restartable_redis.url, redelivery_interval_seconds=1)
    numbers = [_labelled(kiln, f"Add subtraction {n}") for n in range(2)]
    restartable_redis.stop()
    numbers.append(_labelled(kiln, "Add subtraction while Redis is away"))
    restartable_redis.start()
    # The first delivery after the restart meets the web side's connection from before it.
    numbers += [_labelled(kiln, f"Add subtraction {n}") for n in range(2, builds - 1)]

    for number in numbers:
        kiln.wait_for_state(number, "done", timeout=180)
    labelled = [d for d in kiln.emulator.deliveries if d.action == "labeled"
                and json.loads(d.body)["label"]["name"] == TRIGGER]
    first_answers = {d.id: d.status_code for d in reversed(labelled) if not d.redelivery}
    assert sorted(first_answers.values()) == [202] * (builds - 1) + [503]
    assert len(kiln.emulator.pulls(OWNER, REPO)) == builds
    for number in numbers:
        assert len(kiln.emulator.issue(OWNER, REPO, number).comments) == 1
