"""Opening a job's sandbox: the image for the language, the settings' limits, the job's label."""

from __future__ import annotations

from collections.abc import Callable

import docker

from kiln.settings import Settings
from sandbox import Sandbox, SandboxConfig
from worker.ending import JOB_LABEL
from worker.repo_config import RepoConfig


def sandbox_opener(settings: Settings, client: docker.DockerClient, job_id: str,
                   ) -> Callable[[RepoConfig], Callable[[str], Sandbox]]:
    """Given a repository's config, the builder's `language -> sandbox` opener; every
    sandbox carries `kiln.job=<job id>` so cancelling or reporting the job can remove it."""
    limits = SandboxConfig.from_settings(settings)

    def for_config(config: RepoConfig) -> Callable[[str], Sandbox]:
        def open_sandbox(language: str) -> Sandbox:
            # The repository's own image (built from Kiln's base images) wins.
            image = config.image or limits.image_for(language)
            return Sandbox.start(client, image, limits, labels={JOB_LABEL: job_id})
        return open_sandbox

    return for_config
