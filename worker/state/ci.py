"""The CI follow-up's memory in Redis: which head of which Kiln branch is followed, and the
jobs it queues (polls on RQ's scheduler, revisions on the build queue)."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

from redis import Redis
from rq import Queue
from rq.job import Job

from kiln.jobs import JOB_FUNCTIONS, CiJob, ReviseJob, arguments
from kiln.rqjob import JOB_SERIALIZER, KilnJob
from kiln.settings import Settings
from worker.flows.ci_verdict import Follow

FOLLOW_TTL_SECONDS = 7 * 24 * 3600


class Follows:
    """One `Follow` per Kiln branch, and a claim per decision so that of the many webhooks a
    head's checks send, one acts."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, owner: str, repo: str, branch: str) -> str:
        return f"{self.prefix}:ci:{owner.lower()}/{repo.lower()}:{branch}"

    def get(self, owner: str, repo: str, branch: str) -> Follow | None:
        raw = self.redis.get(self._key(owner, repo, branch))
        return Follow(**json.loads(raw)) if raw else None

    def put(self, owner: str, repo: str, branch: str, follow: Follow) -> None:
        self.redis.set(self._key(owner, repo, branch), json.dumps(dataclasses.asdict(follow)),
                       ex=FOLLOW_TTL_SECONDS)

    def end(self, owner: str, repo: str, branch: str) -> None:
        self.redis.delete(self._key(owner, repo, branch))

    def claim(self, owner: str, repo: str, branch: str, follow: Follow) -> bool:
        """True once per followed head and round: whoever gets it acts on the verdict."""
        key = f"{self._key(owner, repo, branch)}:{follow.head_sha}:{follow.rounds}"
        return bool(self.redis.set(key, "1", nx=True, ex=FOLLOW_TTL_SECONDS))


class CiQueues:
    """Queues the follow-up's jobs as JSON, like every Kiln job."""

    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.settings = settings

    def _queue(self, name: str) -> Queue:
        return Queue(name, connection=self.redis, job_class=KilnJob, serializer=JOB_SERIALIZER)

    def poll(self, job: CiJob) -> None:
        """Look at the checks again after `CI_POLL_SECONDS`, in case no webhook comes."""
        job_id = f"ci-{job.owner}-{job.repo}-{job.head_sha[:12]}-poll-{job.poll}"
        if Job.exists(job_id, connection=self.redis):
            return
        self._queue(self.settings.command_queue_name).enqueue_in(
            timedelta(seconds=self.settings.ci_poll_seconds), JOB_FUNCTIONS[job.kind],
            job_id=job_id, kwargs=arguments(job), job_timeout=self.settings.job_timeout_seconds,
            failure_ttl=self.settings.job_failure_ttl_seconds)

    def revise(self, job: ReviseJob, round_number: int) -> None:
        """Queue a CI revision on the build queue, once per head and round."""
        job_id = (f"ci-revise-{job.owner}-{job.repo}-{job.pull_number}-"
                  f"{(job.ci_head or '')[:12]}-{round_number}")
        if Job.exists(job_id, connection=self.redis):
            return
        self._queue(self.settings.queue_name).enqueue_call(
            JOB_FUNCTIONS[job.kind], job_id=job_id, kwargs=arguments(job),
            timeout=self.settings.job_timeout_seconds,
            failure_ttl=self.settings.job_failure_ttl_seconds)
