"""The stall watchdog: what counts as progress (a model answer, a command's output, a GitHub
answer), and a stalled model call or silent command stopped where it waits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis

from emulators.model import ScriptedModel, Turn
from kiln.metrics import SharedMetrics
from kiln.settings import Settings
from sandbox import remove_by_label
from worker.flows.repo_config import RepoConfig
from worker.github.meter import ApiMeter
from worker.llm import make_llm
from worker.sandboxes import JOB_LABEL, sandbox_opener
from worker.watchdog import Stalled, Waiting, Watchdog, watching

QUESTION: list[Any] = [{"role": "user", "content": "Hi"}]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_job_is_overdue_only_after_the_limit_without_progress() -> None:
    clock = Clock()
    dog = Watchdog(300, clock)
    clock.now += 299
    assert dog.overdue() is None
    dog.progress()
    clock.now += 299
    assert dog.overdue() is None
    clock.now += 1
    stalled = dog.overdue()
    assert stalled is not None and stalled.waiting is Waiting.WORK


def test_the_stall_says_what_the_job_waited_for() -> None:
    clock = Clock()
    dog = Watchdog(300, clock)
    dog.waiting_for(Waiting.MODEL)
    clock.now += 300
    assert str(dog.overdue()) == "the model had not answered for 300 s"
    dog.progress("stdout", b"collected 3 items")  # as a sandbox's output callback calls it
    assert dog.overdue() is None


def test_a_model_that_never_answers_is_stopped_in_its_read(
        make_settings: Callable[..., Settings]) -> None:
    model = ScriptedModel([Turn.text("hello"), Turn.hang()])
    dog = Watchdog(2)
    with model.serve() as url:
        settings = make_settings(openai_base_url=url, openai_api_key="k", model_max_retries=2,
                                 model_timeout_seconds=60)
        with make_llm(settings, dog) as llm, pytest.raises(Stalled) as raised, watching(
                dog, poll=0.1):
            llm.chat.completions.create(model="m", messages=QUESTION)
            llm.chat.completions.create(model="m", messages=QUESTION)

    # Stopped in the read, not retried as a connection error: one request per turn.
    assert raised.value.waiting is Waiting.MODEL and len(model.requests) == 2


def test_a_job_that_keeps_making_progress_is_left_alone(
        make_settings: Callable[..., Settings]) -> None:
    model = ScriptedModel([Turn.text("slow", delay=1.2) for _ in range(3)])
    dog = Watchdog(3)
    with model.serve() as url:
        settings = make_settings(openai_base_url=url, openai_api_key="k")
        with make_llm(settings, dog) as llm, watching(dog, poll=0.1):
            for _ in range(3):
                llm.chat.completions.create(model="m", messages=QUESTION)
    assert dog.fired is None
    model.assert_done()


def test_every_github_answer_is_progress() -> None:
    clock = Clock()
    dog = Watchdog(300, clock)
    meter = ApiMeter(1)
    meter.listen(dog.progress)
    dog.waiting_for(Waiting.MODEL)
    clock.now += 299
    meter(httpx.Response(200, request=httpx.Request("GET", "https://api.github.com/rate")))
    clock.now += 299
    assert dog.overdue() is None


@pytest.mark.docker
def test_a_command_printing_as_it_goes_is_progress_and_a_silent_one_a_stall(
        docker_client: Any, make_settings: Callable[..., Settings],
        redis_conn: redis.Redis) -> None:
    dog = Watchdog(3)
    opener = sandbox_opener(make_settings(), docker_client, "test-watchdog",
                            SharedMetrics(redis_conn), dog.progress)
    try:
        with opener(RepoConfig())("python") as box, watching(dog, poll=0.1):
            printing = box.exec("for i in 1 2 3 4 5; do echo $i; sleep 1; done", timeout=30)
            assert printing.exit_code == 0 and dog.fired is None
            with pytest.raises(Stalled) as raised:
                box.exec("sleep 20", timeout=30)
    finally:
        remove_by_label(docker_client, JOB_LABEL, "test-watchdog")
    assert raised.value.waiting is Waiting.WORK
