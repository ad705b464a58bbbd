"""The job contract: typed jobs become plain RQ arguments and come back the same."""

from __future__ import annotations

import importlib

import pytest

from kiln.jobs import (
    JOB_FUNCTIONS,
    JOB_TYPES,
    BuildJob,
    CommandJob,
    ReviseJob,
    arguments,
    job_from,
    kind_of,
)
from kiln.states import JobKind

JOBS = [
    BuildJob(installation_id=1, owner="o", repo="r", issue_number=3, sender="s"),
    ReviseJob(installation_id=1, owner="o", repo="r", pull_number=4, sender="s", review_id=None,
              comment_id=9),
    CommandJob(installation_id=1, owner="o", repo="r", number=5, is_pull_request=True,
               sender="s", name="status", comment_id=10),
]


@pytest.mark.parametrize("job", JOBS, ids=lambda job: job.kind)
def test_arguments_are_plain_values_that_round_trip(job) -> None:
    kwargs = arguments(job)

    assert all(isinstance(value, int | str | bool | None) for value in kwargs.values())
    assert "kind" not in kwargs
    assert job_from(type(job), kwargs) == job


def test_an_argument_from_an_older_kiln_is_dropped() -> None:
    kwargs = {**arguments(JOBS[0]), "delivery_id": "d1"}

    assert job_from(BuildJob, kwargs) == JOBS[0]


def test_a_missing_argument_is_an_error() -> None:
    kwargs = arguments(JOBS[0])
    del kwargs["sender"]

    with pytest.raises(TypeError):
        job_from(BuildJob, kwargs)


def test_every_kind_names_a_worker_function_and_reads_back() -> None:
    assert set(JOB_TYPES) == set(JobKind) == set(JOB_FUNCTIONS)
    for kind, function in JOB_FUNCTIONS.items():
        module, name = function.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), name))
        assert kind_of(function) is kind
    assert kind_of("tests.bot.probe_jobs.echo") is None
    assert kind_of(None) is None


def test_the_thread_number_of_each_job() -> None:
    assert [job.number for job in JOBS] == [3, 4, 5]
