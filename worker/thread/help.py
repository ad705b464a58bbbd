"""The answer to `/kiln help` and to any `/kiln` word Kiln does not know."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from kiln.settings import Settings
from worker.flows.briefing import cap_note
from worker.flows.overview import ConfigProblem, Overview
from worker.flows.repo_config import CONFIG_PATH
from worker.github.branches import ISSUE_BRANCH
from worker.thread import messages

TEMPLATE = "help.md.j2"
SHOWN_WORD = re.compile(r"[^a-z0-9_.-]")
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=False,  # Markdown, not HTML; GitHub sanitizes what it renders
    trim_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def help_reply(login: str, unknown: str | None, found: Overview | ConfigProblem, branch: str,
               settings: Settings) -> str:
    """The commands and the repository's effective configuration; `unknown` is the word
    that was not a command (None for `/kiln help` itself)."""
    overview = found if isinstance(found, Overview) else None
    return _TEMPLATES.get_template(TEMPLATE).render(
        login=login, unknown=shown_word(unknown) if unknown else None,
        command=f"/{settings.github_app_slug}", commands=messages.COMMANDS,
        work_branch=ISSUE_BRANCH.format(number="<number>"), label=settings.trigger_label,
        mention=settings.mention, branch=branch,
        problem=found if isinstance(found, ConfigProblem) else None, overview=overview,
        has_config=overview is not None and overview.has_config,
        caps_note=cap_note(overview.caps) if overview else "",
        sources=instruction_sources(overview) if overview else []).strip()


def shown_word(word: str) -> str:
    """A commenter's word, fit to quote: only what command names are made of (no backtick to
    break out of the code span, no `@` to mention anyone)."""
    return SHOWN_WORD.sub("", word) or "?"


def instruction_sources(overview: Overview) -> list[str]:
    """Where a build's repository-wide instructions come from, quoted."""
    sources = [f"`{path}`" for path in overview.instruction_files]
    if overview.config.instructions.strip():
        sources.append(f"`instructions:` in `{CONFIG_PATH}`")
    return sources
