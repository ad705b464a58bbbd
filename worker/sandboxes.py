"""Opening and removing a job's sandboxes: the image for the language, the settings' limits,
the job's label that finds them again, and the counts `/metrics` shows."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import docker
import requests

from kiln.metrics import Count, SharedMetrics
from kiln.settings import Settings
from sandbox import Sandbox, SandboxConfig, remove_by_label
from sandbox.box import OutputCallback
from worker.flows.preflight import ImageRefused, refused_image
from worker.flows.repo_config import RepoConfig

JOB_LABEL = "kiln.job"
# What the Docker SDK raises when the engine is unreachable or fails: its own errors, and
# `requests`' connection errors, which it lets through once connected.
DOCKER_DOWN = (docker.errors.DockerException, requests.exceptions.RequestException)

log = logging.getLogger(__name__)


def sandbox_opener(settings: Settings, client: docker.DockerClient, job_id: str,
                   metrics: SharedMetrics, on_output: OutputCallback | None = None,
                   ) -> Callable[[RepoConfig], Callable[[str], Sandbox]]:
    """Given a repository's config, the builder's `language -> sandbox` opener (ImageRefused
    for an image the settings do not allow); every sandbox carries `kiln.job=<job id>` so
    cancelling or reporting the job can remove it, and is counted with its install steps.
    `on_output` hears every command's output (the stall watchdog's progress)."""
    limits = SandboxConfig.from_settings(settings)

    def for_config(config: RepoConfig) -> Callable[[str], Sandbox]:
        # Refused before the build starts, whether or not the flow's preflight checked it.
        refused = refused_image(config, limits.allowlist)
        if refused is not None:
            raise ImageRefused(refused)

        def open_sandbox(language: str) -> Sandbox:
            # The repository's own image (built from Kiln's base images) wins.
            image = config.image or limits.image_for(language)
            box = Sandbox.start(client, image, limits, labels={JOB_LABEL: job_id},
                                on_install=metrics.count_install, on_output=on_output)
            metrics.add(Count.SANDBOX_STARTS)
            # Fresher than the maintenance pass's check, which a busy worker does not run.
            metrics.report_docker(True, time.time())
            return box
        return open_sandbox

    return for_config


def sandbox_remover(open_docker: Callable[[], docker.DockerClient]) -> Callable[[str], None]:
    """Removes every sandbox of a job, with a Docker client of its own. A Docker engine that
    is down or refuses is logged, not raised: ending a job (its report on GitHub) must not
    depend on it, and a worker's start-up reaps what is left."""
    def remove(job_id: str) -> None:
        try:
            client = open_docker()
        except DOCKER_DOWN as exc:
            log.warning("sandboxes of job %s not removed, no Docker engine: %s", job_id, exc)
            return
        try:
            remove_by_label(client, JOB_LABEL, job_id)
        except DOCKER_DOWN as exc:
            log.warning("sandboxes of job %s not removed: %s", job_id, exc)
        finally:
            client.close()
    return remove
