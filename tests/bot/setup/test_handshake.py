"""Where the manifest is posted, the state GitHub must bring back, and the code's form."""

from __future__ import annotations

from bot.setup.handshake import (
    creation_url,
    new_state,
    state_matches,
    valid_code,
    valid_organization,
)


def test_state_must_come_back_unchanged() -> None:
    issued = new_state()

    assert state_matches(issued, issued)
    assert not state_matches(issued, new_state())
    assert not state_matches(None, issued) and not state_matches(issued, None)
    assert not state_matches("", "")


def test_states_are_fresh_each_time() -> None:
    assert len({new_state() for _ in range(20)}) == 20


def test_creation_url_for_a_user_and_an_organization() -> None:
    assert creation_url("https://github.com/", "", "s t") == \
        "https://github.com/settings/apps/new?state=s+t"
    assert creation_url("https://ghe.acme.test", "acme-eng", "x") == \
        "https://ghe.acme.test/organizations/acme-eng/settings/apps/new?state=x"


def test_codes_and_organizations_are_checked_before_use() -> None:
    assert valid_code("a180b1a3d263c81bc6441d7b990bae27d4c10679")
    assert not valid_code("../../user") and not valid_code("")
    assert valid_organization("acme-eng") and valid_organization("a")
    assert not valid_organization("acme/../x") and not valid_organization("-acme")
    assert not valid_organization("a--b") and not valid_organization("a" * 40)
