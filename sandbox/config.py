"""The sandbox's limits and images, one frozen value built from Kiln's settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sandbox.allowlist import ImageAllowlist, parse_patterns

if TYPE_CHECKING:
    from kiln.settings import Settings


@dataclass(frozen=True)
class SandboxConfig:
    """Every limit a sandbox runs under. Sizes are Docker size strings such as ``"512m"``."""

    images: dict[str, str]
    memory: str
    cpus: float
    pids: int
    tmpfs_size: str
    workspace_size: str
    exec_timeout: float
    output_cap: int
    install_network: bool
    install_timeout: float
    ca_bundle: Path | None
    image_allow: tuple[str, ...] = ()  # names or patterns beyond the base images
    pull_images: bool = False  # whether a missing image is pulled (never implicitly)

    @classmethod
    def from_settings(cls, settings: Settings) -> SandboxConfig:
        return cls(
            images={"python": settings.sandbox_image_python, "node": settings.sandbox_image_node},
            memory=settings.sandbox_memory,
            cpus=settings.sandbox_cpus,
            pids=settings.sandbox_pids,
            tmpfs_size=settings.sandbox_tmpfs_size,
            workspace_size=settings.sandbox_workspace_size,
            exec_timeout=settings.sandbox_exec_timeout_seconds,
            output_cap=settings.sandbox_output_cap_bytes,
            install_network=settings.sandbox_install_network,
            install_timeout=settings.sandbox_install_timeout_seconds,
            ca_bundle=settings.sandbox_ca_bundle,
            image_allow=parse_patterns(settings.sandbox_image_allow),
            pull_images=settings.sandbox_pull_images,
        )

    @property
    def allowlist(self) -> ImageAllowlist:
        """The images that may run: the base images, always, and the operator's patterns."""
        return ImageAllowlist.of(self.images.values(), self.image_allow)

    def image_for(self, language: str) -> str:
        """The base image for a language Kiln supports; KeyError names the unknown one."""
        try:
            return self.images[language]
        except KeyError:
            raise KeyError(f"no sandbox image for language {language!r}") from None
