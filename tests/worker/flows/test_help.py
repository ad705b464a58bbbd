"""`/kiln help`, and any word Kiln does not know: the commands and the repository's effective
configuration, read from the default branch, within the operator's rules."""

from __future__ import annotations

from collections.abc import Callable

from kiln.settings import Settings
from tests.worker.conftest import OWNER, REPO
from tests.worker.flows.conftest import Flows
from tests.worker.flows.test_commands import answer
from worker.flows.commands import COMMAND_MARKER
from worker.flows.overview import Overview, overview, overview_inputs

CONFIG = ("model: o3-pro\nbudgets: {tokens: 10000000, test_runs: 5}\n"
          "protected_paths: [migrations/]\ninstructions: Be brief.\n")


def missing(reply: str, expected: list[str]) -> list[str]:
    """The expected passages the reply lacks."""
    return [text for text in expected if text not in reply]


def test_help_shows_the_commands_and_what_a_build_would_get(flows: Flows) -> None:
    flows.emulator.push(OWNER, REPO, "main", {
        ".github/kiln.yml": CONFIG, "AGENTS.md": "Use tabs.", "pkg/AGENTS.md": "Keep it pure.",
        "pyproject.toml": "[tool.pytest.ini_options]\ntestpaths = ['tests']\n",
        ".github/pull_request_template.md": "## What\n"}, "set up Kiln")
    number = flows.open_issue()

    flows.command(number, "help", 201)

    reply = answer(flows, number, 201)
    assert reply.count("`/kiln ") == 5
    assert missing(reply, [
        "`/kiln help`: this answer", "Label an issue `build me`", "mentioning `@kiln`",
        "(`.github/kiln.yml` on `main`, within this installation's limits)",
        "**Model:** `gpt-4.1-mini` (model `o3-pro` is not allowed by the operator "
        "(KILN_MODELS); used `gpt-4.1-mini`)",
        "**Budgets:** 400,000 tokens, 60 model calls, 5 test runs, 1,800 s (budget capped "
        "by the operator: tokens 400,000 (asked 10,000,000))",
        "**Test command:** `python3 -m pytest -q` (derived from pyproject.toml)",
        "**Sandbox image:** `kiln-sandbox-python:bookworm` (Kiln's python image)",
        "a failed attempt opens as a draft", "`CODEOWNERS`, `.git` directories, `migrations/`",
        "**Repository instructions:** `AGENTS.md`, `instructions:` in `.github/kiln.yml`; "
        "for the files under their directory: `pkg/AGENTS.md`",
        "**Pull request template:** `.github/pull_request_template.md`"]) == []


def test_an_unknown_word_gets_the_same_answer_with_kiln_s_defaults(flows: Flows) -> None:
    number = flows.open_issue()

    flows.command(number, "frobnicate", 202)

    reply = answer(flows, number, 202)
    marker = COMMAND_MARKER.format(comment_id=202)
    assert reply.startswith(f"{marker}\n@alice, I don't know `/kiln frobnicate`.")
    assert missing(reply, [
        "`/kiln retry`", "`/kiln help`", "on `main`: none, so Kiln's defaults",
        "**Test command:** none fixed: the model's plan picks a recognised runner",
        "**Sandbox image:** Kiln's image for the plan's language (python: "
        "`kiln-sandbox-python:bookworm`, node: `kiln-sandbox-node:bookworm`)",
        "**Repository instructions:** none"]) == []


def test_help_with_an_invalid_config_says_why_no_build_would_start(flows: Flows) -> None:
    flows.emulator.push(OWNER, REPO, "main", {".github/kiln.yml": "budgets: lots\n"}, "oops")
    number = flows.open_issue()

    flows.command(number, "help", 203)

    reply = answer(flows, number, 203)
    assert "`.github/kiln.yml` on `main` is invalid, so no build starts" in reply
    assert "- budgets: " in reply and "**Model:**" not in reply


def test_a_word_that_could_break_out_of_its_quote_is_shown_cleaned(flows: Flows) -> None:
    number = flows.open_issue()

    flows.command(number, "x`@mallory", 204)

    reply = answer(flows, number, 204)
    assert "`/kiln xmallory`" in reply and "@mallory" not in reply


def test_a_new_repository_gets_nothing_of_this_tree(
        make_settings: Callable[..., Settings]) -> None:
    files = {".github/kiln.yml": b"mode: new_repository\nnew_repository: {org: acme}\n",
             "AGENTS.md": b"Use tabs.", "pyproject.toml": b"[tool.pytest.ini_options]\n",
             "pull_request_template.md": b"## What"}

    found = overview(make_settings(), files)

    assert isinstance(found, Overview)
    assert (found.test.command, found.instruction_files, found.template) == (None, (), None)


def test_only_the_files_the_overview_reads_are_fetched() -> None:
    paths = [".github/kiln.yml", ".github/workflows/ci.yml", ".github/workflows/sub/x.yml",
             "AGENTS.md", "pkg/AGENTS.md", "Pull_Request_Template.md", "src/big.py", "tox.ini"]
    assert list(overview_inputs(paths)) == [
        ".github/kiln.yml", ".github/workflows/ci.yml", "AGENTS.md", "Pull_Request_Template.md",
        "tox.ini"]
