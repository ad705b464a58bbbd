"""Opening and removing a job's sandboxes: the image for the language, the settings' limits,
and the job's label that finds them again."""

from __future__ import annotations

from collections.abc import Callable

import docker

from kiln.settings import Settings
from sandbox import Sandbox, SandboxConfig, remove_by_label
from worker.flows.preflight import ImageRefused, refused_image
from worker.flows.repo_config import RepoConfig

JOB_LABEL = "kiln.job"


def sandbox_opener(settings: Settings, client: docker.DockerClient, job_id: str,
                   ) -> Callable[[RepoConfig], Callable[[str], Sandbox]]:
    """Given a repository's config, the builder's `language -> sandbox` opener (ImageRefused
    for an image the settings do not allow); every sandbox carries `kiln.job=<job id>` so
    cancelling or reporting the job can remove it."""
    limits = SandboxConfig.from_settings(settings)

    def for_config(config: RepoConfig) -> Callable[[str], Sandbox]:
        # Refused before the build starts, whether or not the flow's preflight checked it.
        refused = refused_image(config, limits.allowlist)
        if refused is not None:
            raise ImageRefused(refused)

        def open_sandbox(language: str) -> Sandbox:
            # The repository's own image (built from Kiln's base images) wins.
            image = config.image or limits.image_for(language)
            return Sandbox.start(client, image, limits, labels={JOB_LABEL: job_id})
        return open_sandbox

    return for_config


def sandbox_remover(open_docker: Callable[[], docker.DockerClient]) -> Callable[[str], None]:
    """Removes every sandbox of a job, with a Docker client of its own."""
    def remove(job_id: str) -> None:
        client = open_docker()
        try:
            remove_by_label(client, JOB_LABEL, job_id)
        finally:
            client.close()
    return remove
