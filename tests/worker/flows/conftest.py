"""In-process flows: the emulator, the scripted model and fake sandboxes, wired as the worker
wires them, without RQ or Docker."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import redis

from kiln.history import BuildHistory
from kiln.jobs import BuildJob, CommandJob, ReviseJob
from kiln.settings import Settings
from kiln.states import JobKind
from tests.worker.conftest import MAINTAINER, OWNER, REPO, GitHubWorld
from tests.worker.fake_box import FakeSandboxes
from worker.flows.commands import CommandRunner
from worker.flows.continuation import Continuation
from worker.flows.ending import JobEnding
from worker.flows.issue_build import IssueBuild
from worker.flows.revision import PullRevision
from worker.state.ledger import JobLedger
from worker.state.liveness import JobWatch
from worker.state.lock import IssueLock
from worker.state.outbox import Outbox
from worker.state.records import Records
from worker.thread.conversation import Conversation
from worker.thread.courier import Courier
from worker.thread.progress import MARKER
from worker.thread.session import JobSession, Target


@dataclass
class Flows:
    """Runs Kiln's flows in this process against the emulator and a scripted model."""

    world: GitHubWorld
    gh: Any
    settings: Settings
    redis: redis.Redis
    records: Records
    sandboxes: FakeSandboxes
    serve_model: Callable[..., tuple[Any, Any]]
    stopped: list[str] = field(default_factory=list)
    requeued: list[tuple[BuildJob, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seconds_ahead: float = 0.0  # how far the job watch's and outbox's clock runs ahead
    drains: list[tuple[str, datetime]] = field(default_factory=list)  # outbox drains asked

    @property
    def emulator(self) -> Any:
        return self.world.emulator

    def build(self, number: int, turns: list[Any], job_id: str = "job-build",
              sender: str = MAINTAINER, issue_digest: str | None = None,
              queued_at: float | None = None) -> Any:
        """Run a build of issue `number` (queued at `queued_at`); returns the scripted model."""
        job = BuildJob(self.world.installation_id, OWNER, REPO, number, sender, issue_digest)
        return self.run_build(job, turns, job_id, queued_at)

    def run_build(self, job: BuildJob, turns: list[Any], job_id: str,
                  queued_at: float | None = None) -> Any:
        """Run a build job as the worker would (one a command queued, say); returns the
        scripted model. Builds it queues land in `requeued`."""
        model, llm = self.serve_model(turns, self.settings)
        IssueBuild(self.session(job, job_id, JobKind.BUILD, queued_at), self.gh, self.settings,
                   lambda: llm, lambda config: self.sandboxes, job.issue_digest,
                   Continuation(job, self.requeue)).run()
        return model

    def requeue(self, build: BuildJob, job_id: str) -> None:
        self.requeued.append((build, job_id))

    def revise(self, number: int, turns: list[Any], review_id: int | None = None,
               comment_id: int | None = None, job_id: str = "job-revise") -> Any:
        job = ReviseJob(self.world.installation_id, OWNER, REPO, number, MAINTAINER, review_id,
                        comment_id)
        model, llm = self.serve_model(turns, self.settings)
        PullRevision(self.session(job, job_id, JobKind.REVISE), self.gh, self.settings,
                     lambda: llm, lambda config: self.sandboxes, review_id, comment_id).run()
        return model

    def command(self, number: int, name: str, comment_id: int | None, sender: str = MAINTAINER,
                is_pull_request: bool = False, notice: str | None = None) -> None:
        job = CommandJob(self.world.installation_id, OWNER, REPO, number, is_pull_request,
                         sender, name, comment_id, notice)
        CommandRunner(job, self.gh, self.ending(number), self.stopped.append,
                      self.requeue,
                      self.settings, self.watch()).run()

    def watch(self) -> JobWatch:
        return JobWatch(self.redis, self.settings.queue_name, self.now)

    def session(self, job: BuildJob | ReviseJob, job_id: str, kind: JobKind,
                queued_at: float | None = None) -> JobSession:
        target = Target(OWNER, REPO, job.number, job.sender, job_id, kind, queued_at)
        return JobSession(target, self.courier(job.number), self.lock(job.number),
                          self.records, self.settings.progress_edit_interval_seconds)

    def ending(self, number: int) -> JobEnding:
        return JobEnding(self.courier(number), self.lock(number), self.records,
                         self.removed.append)

    def courier(self, number: int, gh: Any = None) -> Courier:
        """The thread's outbox and its delivery (through `gh`, the flows' client by default);
        drains are recorded in `drains`, not scheduled."""
        return Courier(Conversation(gh or self.gh, OWNER, REPO, number, self.settings.bot_login),
                       Outbox(self.redis, OWNER, REPO, number), self.lock(number), self.records,
                       lambda job_id, at: self.drains.append((job_id, at)),
                       self.settings.outbox_horizon_seconds, self.now)

    def now(self) -> float:
        return time.time() + self.seconds_ahead

    def conversation(self, number: int) -> Conversation:
        return Conversation(self.gh, OWNER, REPO, number, self.settings.bot_login)

    def lock(self, number: int) -> IssueLock:
        return IssueLock(self.redis, OWNER, REPO, number)

    def open_issue(self, title: str = "Add subtraction", body: str = "calc.sub(a, b)") -> int:
        return int(self.emulator.open_issue(OWNER, REPO, title, body, MAINTAINER))

    def comments(self, number: int) -> list[Any]:
        return list(self.emulator.issue(OWNER, REPO, number).comments)

    def progress(self, number: int) -> str:
        """The one progress comment's body ("" when there is none)."""
        bodies = [c.body for c in self.comments(number) if MARKER in c.body]
        assert len(bodies) <= 1, "more than one progress comment"
        return bodies[0] if bodies else ""

    def replies(self, number: int) -> list[str]:
        """Kiln's comments on a thread other than the progress comment."""
        bot = self.world.app.bot_login
        return [c.body for c in self.comments(number) if c.user == bot and MARKER not in c.body]


@pytest.fixture
def flows(github_world: GitHubWorld, gh: Any, make_settings: Callable[..., Settings],
          redis_conn: redis.Redis, serve_model: Callable[..., tuple[Any, Any]],
          tmp_path: Path) -> Iterator[Flows]:
    settings = github_world.settings(make_settings, public_url="http://kiln.test",
                                     progress_edit_interval_seconds=0.0)
    records = Records(BuildHistory.from_settings(redis_conn, settings),
                      JobLedger(redis_conn, 3600), settings.public_url)
    yield Flows(github_world, gh, settings, redis_conn, records, FakeSandboxes(tmp_path),
                serve_model)


def no_later(job: CommandJob, job_id: str, at: datetime) -> None:
    """A `FailureReporter`'s `later` where no command may be asked again."""
    raise AssertionError(f"no command is asked again here, yet {job_id} was, for {at}")
