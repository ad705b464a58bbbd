"""Who may steer Kiln: the decision on GitHub's permission answer."""

from __future__ import annotations

import pytest

from worker.github.authorization import may_steer


@pytest.mark.parametrize("permission", ["admin", "maintain", "write"])
def test_writers_maintainers_and_admins_may_steer(permission: str) -> None:
    assert may_steer(permission)


@pytest.mark.parametrize("permission", ["read", "triage", "none", None, ""])
def test_everyone_else_may_not(permission: str | None) -> None:
    assert not may_steer(permission)


def test_a_role_name_counts_where_the_legacy_level_lags() -> None:
    # GitHub reports "maintain" as legacy "write", but a custom role may map either way.
    assert may_steer("read", "maintain")
    assert not may_steer("read", "triage")
