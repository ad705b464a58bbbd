"""A repository's pull request template, and Kiln's description shaped to follow it.

The rule: the template's text is kept as written, headings, prompts and checkboxes (left
unticked) included. Kiln's description goes at the end of the first heading's section, its
test results and notes at the end of the first section whose heading speaks of testing (else
after the description), and the line closing the issue and Kiln's signature at the very end.
A template without headings follows Kiln's description and test results whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Where GitHub looks, in the order Kiln does; GitHub matches these names in any case.
TEMPLATE_PATHS = (".github/pull_request_template.md", "docs/pull_request_template.md",
                  "pull_request_template.md")
TEMPLATE_DIR = ".github/pull_request_template/"
HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")
FENCE = re.compile(r"^ {0,3}(```|~~~)")
TESTING = re.compile(r"test|verif|validat|\bqa\b", re.IGNORECASE)


@dataclass(frozen=True)
class PullParts:
    """Kiln's pull request description in the pieces a template places."""

    description: str
    testing: str
    closing: str
    footer: str


@dataclass(frozen=True)
class PullTemplate:
    """A pull request template's path and text."""

    path: str
    text: str


@dataclass
class Section:
    """A heading line ("" for the text before the first heading) and the lines under it."""

    heading: str
    lines: list[str] = field(default_factory=list)


def template_paths(paths: Iterable[str]) -> list[str]:
    """The paths GitHub would take a pull request template from, best first."""
    by_name = {path.casefold(): path for path in paths}
    in_dir = sorted(path for key, path in by_name.items()
                    if key.startswith(TEMPLATE_DIR) and "/" not in key[len(TEMPLATE_DIR):])
    return [by_name[path] for path in TEMPLATE_PATHS if path in by_name] + in_dir


def find_template(files: Mapping[str, bytes]) -> PullTemplate | None:
    """The repository's pull request template (the first that is not empty); None when it
    has none."""
    for path in template_paths(files):
        text = files[path].decode(errors="replace").replace("\r\n", "\n").strip()
        if text:
            return PullTemplate(path, text)
    return None


def sections(template: str) -> list[Section]:
    """The template cut at its Markdown headings (not those in code blocks or comments)."""
    found = [Section("")]
    fenced = commented = False
    for line in template.split("\n"):
        if not fenced and not commented and HEADING.match(line):
            found.append(Section(line))
            continue
        found[-1].lines.append(line)
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            commented = _inside_comment(line, commented)
    return found


def _inside_comment(line: str, commented: bool) -> bool:
    """Whether an HTML comment is still open after `line`."""
    opened, closed = line.rfind("<!--"), line.rfind("-->")
    if opened > closed:
        return True
    return commented and closed < 0


def shaped_body(template: str, parts: PullParts) -> str:
    """Kiln's description placed in the template, by the rule in this module's docstring."""
    found = sections(template)
    headed = [index for index, section in enumerate(found) if section.heading]
    if not headed:
        return _joined(parts.description, parts.testing, template, parts.closing, parts.footer)
    testing = next((i for i in headed if TESTING.search(found[i].heading)), headed[0])
    fills: dict[int, list[str]] = {headed[0]: [parts.description]}
    fills.setdefault(testing, []).append(parts.testing)
    shown = [_filled(section, fills.get(index, [])) for index, section in enumerate(found)]
    return _joined(*shown, parts.closing, parts.footer)


def _filled(section: Section, additions: list[str]) -> str:
    """The section as written, then what Kiln adds to it."""
    written = "\n".join([section.heading, *section.lines] if section.heading
                        else section.lines).strip("\n")
    return _joined(written, *additions).rstrip("\n")


def _joined(*blocks: str) -> str:
    return "\n\n".join(block.strip("\n") for block in blocks if block.strip()) + "\n"
