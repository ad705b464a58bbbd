"""Turning an issue, the repository's files and its config into the builder's request.

The repository's config asks; the operator's settings decide: each budget is cut to its
ceiling (``BUDGET_CEILING_*``, by default the budget itself) and the model must be
``KILN_MODEL`` or listed in ``KILN_MODELS``, which also gives its prices. What the rules
changed goes into the request's notes, for the final report. The repository's own
instruction files (`AGENTS.md` and its peers) go beside the config's `instructions`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from kiln.settings import ModelPrice, Settings
from worker.builder import Budget, BuildRequest, Feedback, Prices
from worker.builder.budget import Limits
from worker.builder.instruction_files import root_instructions
from worker.flows.repo_config import RepoConfig
from worker.flows.test_command import fixed_test

BUDGET_NAMES = ("tokens", "model_calls", "test_runs", "wall_seconds")


@dataclass(frozen=True)
class Cap:
    """One budget an operator's ceiling cut: what the repository asked, what it got."""

    name: str
    asked: float
    granted: float


@dataclass(frozen=True)
class ModelChoice:
    """The model a build uses and its prices; ``note`` says why it is not the one asked for."""

    name: str
    prices: Prices
    note: str = ""


def asked_budget(settings: Settings, config: RepoConfig) -> Budget:
    """The settings' budget with the repository's overrides applied, before any ceiling."""
    overrides = {name: value for name, value in config.budgets.model_dump().items()
                 if value is not None}
    if "wall_seconds" in overrides:
        overrides["wall_seconds"] = float(overrides["wall_seconds"])
    return dataclasses.replace(Budget.from_settings(settings), **overrides)


def ceiling_for(settings: Settings) -> Budget:
    """The most a repository may ask for: each ``BUDGET_CEILING_*``, or else the budget itself."""
    budget = Budget.from_settings(settings)
    return Budget(settings.budget_ceiling_tokens or budget.tokens,
                  settings.budget_ceiling_model_calls or budget.model_calls,
                  settings.budget_ceiling_test_runs or budget.test_runs,
                  float(settings.budget_ceiling_wall_seconds or budget.wall_seconds))


def capped(asked: Budget, ceiling: Budget) -> tuple[Budget, tuple[Cap, ...]]:
    """The asked budget with each part cut to its ceiling, and the cuts that were made."""
    caps = tuple(Cap(name, getattr(asked, name), getattr(ceiling, name)) for name in BUDGET_NAMES
                 if getattr(asked, name) > getattr(ceiling, name))
    granted = {cap.name: getattr(ceiling, cap.name) for cap in caps}
    return dataclasses.replace(asked, **granted), caps


def budget_for(settings: Settings, config: RepoConfig) -> Budget:
    """The budget a build gets: the repository's ask, within the operator's ceilings."""
    return capped(asked_budget(settings, config), ceiling_for(settings))[0]


def cap_note(caps: tuple[Cap, ...]) -> str:
    """E.g. "budget capped by the operator: tokens 400,000 (asked 10,000,000)"; "" for none."""
    if not caps:
        return ""
    parts = [f"{cap.name} {cap.granted:,.0f} (asked {cap.asked:,.0f})" for cap in caps]
    return "budget capped by the operator: " + ", ".join(parts)


def allowed_models(settings: Settings) -> dict[str, Prices]:
    """Each model a repository may pick, with its prices: ``KILN_MODEL`` and ``KILN_MODELS``."""
    listed = {name: prices_of(price) for name, price in settings.kiln_models.items()}
    return {settings.kiln_model: Prices.from_settings(settings), **listed}


def prices_of(price: ModelPrice) -> Prices:
    cached = price.input if price.cached_input is None else price.cached_input
    return Prices(price.input, cached, price.output)


def choose_model(settings: Settings, asked: str | None) -> ModelChoice:
    """The repository's model when the operator allows it, else ``KILN_MODEL`` and why."""
    allowed = allowed_models(settings)
    name = asked or settings.kiln_model
    if name in allowed:
        return ModelChoice(name, allowed[name])
    fallback = settings.kiln_model
    return ModelChoice(fallback, allowed[fallback],
                       f"model `{name}` is not allowed by the operator (KILN_MODELS); "
                       f"used `{fallback}`")


def build_request(settings: Settings, config: RepoConfig, title: str, body: str,
                  files: Mapping[str, bytes], feedback: tuple[Feedback, ...] = (),
                  ) -> BuildRequest:
    """What the builder needs for one run."""
    budget, caps = capped(asked_budget(settings, config), ceiling_for(settings))
    model = choose_model(settings, config.model)
    test = fixed_test(config.test, files)  # before the model plans: see worker.flows.test_command
    return BuildRequest(
        title=title,
        body=body,
        files=files,  # as given: a checkout (GitTree) reaches the sandbox as it is
        model=model.name,
        budget=budget,
        prices=model.prices,
        instructions=config.instructions,
        instruction_files=root_instructions(files),
        feedback=feedback,
        language=config.language or test.language,
        install_command=config.install,
        test_command=test.command,
        test_origin=test.origin,
        plan_attempts=settings.plan_attempts,
        limits=Limits.from_settings(settings),
        notes=tuple(note for note in (cap_note(caps), model.note) if note),
    )
