"""Turning an issue, the repository's files and its config into the builder's request."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from kiln.settings import Settings
from worker.builder import Budget, BuildRequest, Feedback, Prices
from worker.flows.repo_config import RepoConfig


def budget_for(settings: Settings, config: RepoConfig) -> Budget:
    """The settings' budget with the repository's overrides applied."""
    overrides = {name: value for name, value in config.budgets.model_dump().items()
                 if value is not None}
    if "wall_seconds" in overrides:
        overrides["wall_seconds"] = float(overrides["wall_seconds"])
    return dataclasses.replace(Budget.from_settings(settings), **overrides)


def build_request(settings: Settings, config: RepoConfig, title: str, body: str,
                  files: Mapping[str, bytes], feedback: tuple[Feedback, ...] = (),
                  ) -> BuildRequest:
    """What the builder needs for one run."""
    return BuildRequest(
        title=title,
        body=body,
        files=dict(files),
        model=config.model or settings.kiln_model,
        budget=budget_for(settings, config),
        prices=Prices.from_settings(settings),
        instructions=config.instructions,
        feedback=feedback,
        language=config.language,
        install_command=config.install,
        test_command=config.test,
        plan_attempts=settings.plan_attempts,
    )

