"""A real `rq worker` with Kiln's worker class runs nothing Kiln did not queue, and reports
its Docker engine on its maintenance pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import redis
from rq import Queue
from rq.job import Job

from kiln.metrics import DOCKER_FIELDS, GAUGES_KEY, docker_report
from kiln.rqjob import JOB_SERIALIZER

ROOT = Path(__file__).resolve().parents[2]
BURST_SECONDS = 60


class TouchOnLoad:
    """Unpickling this creates a file: what a pickled job could do as the worker reads it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.path,))


def burst_worker(redis_url: str, app_private_key: str, workdir: Path, **env_vars: str) -> str:
    """Run `rq worker --burst` with KilnWorker until the queue is empty; its output."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("GITHUB_", "OPENAI_", "KILN_", "REDIS_"))}
    env.update(PYTHONPATH=str(ROOT), GITHUB_APP_ID="1", GITHUB_PRIVATE_KEY=app_private_key,
               GITHUB_WEBHOOK_SECRET="s", REDIS_URL=redis_url, **env_vars)
    done = subprocess.run(
        [sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", redis_url,
         "--worker-class", "worker.runner.KilnWorker", "kiln"],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=BURST_SECONDS)
    return done.stdout + done.stderr


def test_a_pickled_job_or_a_foreign_function_is_not_run(
        redis_url: str, redis_conn: redis.Redis, app_private_key: str, tmp_path: Path) -> None:
    loaded, called = tmp_path / "unpickled", tmp_path / "called"
    # Whoever can write to Redis can queue these; neither may run anything in the worker.
    Queue("kiln", connection=redis_conn).enqueue_call(
        "worker.jobs.build", args=(TouchOnLoad(loaded),), job_id="pickled")
    Queue("kiln", connection=redis_conn, serializer=JOB_SERIALIZER).enqueue_call(
        "os.mkdir", args=(str(called),), job_id="foreign")

    output = burst_worker(redis_url, app_private_key, tmp_path)

    statuses = [Job.fetch(job_id, connection=redis_conn, serializer=JOB_SERIALIZER).get_status()
                for job_id in ("pickled", "foreign")]
    assert statuses == ["failed", "failed"], output
    assert not loaded.exists() and not called.exists()
    assert "ForeignJobError" in output


def test_the_maintenance_pass_reports_an_unreachable_docker(
        redis_url: str, redis_conn: redis.Redis, app_private_key: str, tmp_path: Path) -> None:
    output = burst_worker(redis_url, app_private_key, tmp_path,
                          DOCKER_HOST="unix:///nonexistent/kiln-test/docker.sock")

    report = docker_report(redis_conn.hmget(GAUGES_KEY, list(DOCKER_FIELDS)))
    assert report is not None and not report.up, output
    assert "Docker engine unreachable" in output
