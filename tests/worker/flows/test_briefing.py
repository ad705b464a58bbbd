"""The builder's request: the operator's ceilings and model allowlist over the repository's ask."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import ValidationError

from kiln.settings import Settings
from worker.builder import Budget, Prices
from worker.flows.briefing import (
    Cap,
    asked_budget,
    build_request,
    cap_note,
    capped,
    ceiling_for,
    choose_model,
)
from worker.flows.repo_config import parse_repo_config

GREEDY = "budgets: {tokens: 10000000, model_calls: 5, wall_seconds: 99999}\n"


def test_ceilings_cut_only_what_asks_for_more() -> None:
    asked = Budget(10_000_000, 5, 15, 99_999.0)
    budget, caps = capped(asked, Budget(400_000, 60, 15, 1800.0))
    assert budget == Budget(400_000, 5, 15, 1800.0)
    assert caps == (Cap("tokens", 10_000_000, 400_000), Cap("wall_seconds", 99_999.0, 1800.0))
    assert cap_note(caps) == ("budget capped by the operator: tokens 400,000 (asked 10,000,000), "
                              "wall_seconds 1,800 (asked 99,999)")
    assert capped(budget, budget) == (budget, ()) and cap_note(()) == ""


def test_unset_ceilings_are_the_budgets_themselves(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    assert ceiling_for(settings) == Budget.from_settings(settings)
    raised = make_settings(budget_ceiling_tokens=1_000_000, budget_ceiling_wall_seconds=3600)
    assert ceiling_for(raised) == Budget(1_000_000, 60, 15, 3600.0)


def test_a_repository_cannot_raise_a_budget_past_its_ceiling(
        make_settings: Callable[..., Settings]) -> None:
    config = parse_repo_config(GREEDY)
    assert asked_budget(make_settings(), config).tokens == 10_000_000
    request = build_request(make_settings(), config, "t", "b", {})
    assert request.budget == Budget(400_000, 5, 15, 1800.0)
    assert request.notes == ("budget capped by the operator: tokens 400,000 (asked 10,000,000), "
                             "wall_seconds 1,800 (asked 99,999)",)
    generous = make_settings(budget_ceiling_tokens=20_000_000, budget_ceiling_wall_seconds=99_999)
    request = build_request(generous, config, "t", "b", {})
    assert request.budget == Budget(10_000_000, 5, 15, 99_999.0) and request.notes == ()


def test_a_ceiling_below_its_budget_is_refused(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ValidationError, match=r"BUDGET_CEILING_TEST_RUNS \(3\) is below"):
        make_settings(budget_ceiling_test_runs=3)


def test_models_are_allowed_and_priced_by_the_operator(
        make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KILN_MODELS", '{"gpt-4.1": {"input": 2, "output": 8, '
                                      '"cached_input": 0.5}, "cheap": {"input": 1, "output": 2}}')
    settings = make_settings()
    assert choose_model(settings, None) == choose_model(settings, "gpt-4.1-mini")
    assert choose_model(settings, None).prices == Prices(0.40, 0.10, 1.60)
    assert choose_model(settings, "gpt-4.1").prices == Prices(2.0, 0.5, 8.0)
    assert choose_model(settings, "cheap").prices == Prices(1.0, 1.0, 2.0)
    request = build_request(settings, parse_repo_config("model: gpt-4.1\n"), "t", "b", {})
    assert (request.model, request.prices, request.notes) == ("gpt-4.1", Prices(2, 0.5, 8), ())


def test_a_model_off_the_list_falls_back_to_the_default_and_says_so(
        make_settings: Callable[..., Settings]) -> None:
    request = build_request(make_settings(), parse_repo_config("model: o3-pro\n"), "t", "b", {})
    assert (request.model, request.prices) == ("gpt-4.1-mini", Prices(0.40, 0.10, 1.60))
    assert request.notes == ("model `o3-pro` is not allowed by the operator (KILN_MODELS); "
                             "used `gpt-4.1-mini`",)


def test_the_request_carries_the_per_call_limits(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(model_max_answer_tokens=4096, sandbox_install_timeout_seconds=60)
    limits = build_request(settings, parse_repo_config(None), "t", "b", {}).limits
    assert (limits.answer_tokens, limits.command_seconds, limits.install_seconds) == (
        4096, 300.0, 60.0)
