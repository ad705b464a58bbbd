"""Kiln's pull request description placed in the repository's pull request template."""

from __future__ import annotations

from worker.thread.template import (
    PullParts,
    PullTemplate,
    find_template,
    sections,
    shaped_body,
    template_paths,
)

PARTS = PullParts(description="Added sub.\n\n**Plan**\n- write sub",
                  testing="passing: 3 passed", closing="Closes #7", footer="<sub>Kiln</sub>")
TEMPLATE = """<!-- Thanks for contributing! -->

## Description
<!-- What does this change? -->

## Type of change
- [ ] Bug fix
- [ ] New feature

## How has this been tested?
<!--
## Not a heading: inside a comment
-->

## Checklist
- [ ] I have read CONTRIBUTING.md
```
# not a heading either
```
"""


def test_kiln_fills_the_first_section_and_the_testing_one_and_keeps_the_rest() -> None:
    body = shaped_body(TEMPLATE, PARTS)

    assert body == """<!-- Thanks for contributing! -->

## Description
<!-- What does this change? -->

Added sub.

**Plan**
- write sub

## Type of change
- [ ] Bug fix
- [ ] New feature

## How has this been tested?
<!--
## Not a heading: inside a comment
-->

passing: 3 passed

## Checklist
- [ ] I have read CONTRIBUTING.md
```
# not a heading either
```

Closes #7

<sub>Kiln</sub>
"""


def test_headings_in_comments_and_code_blocks_do_not_cut_sections() -> None:
    assert [section.heading for section in sections(TEMPLATE)] == [
        "", "## Description", "## Type of change", "## How has this been tested?",
        "## Checklist"]


def test_without_a_testing_heading_the_results_follow_the_description() -> None:
    body = shaped_body("## Summary\n\n## Notes\nAnything else?", PARTS)
    assert body.index("Added sub.") < body.index("passing: 3 passed") < body.index("## Notes")


def test_a_template_without_headings_follows_kiln_s_text_whole() -> None:
    body = shaped_body("- [ ] I signed the CLA", PARTS)
    assert body == ("Added sub.\n\n**Plan**\n- write sub\n\npassing: 3 passed\n\n"
                    "- [ ] I signed the CLA\n\nCloses #7\n\n<sub>Kiln</sub>\n")


def test_the_template_is_found_where_github_looks_in_any_case() -> None:
    assert find_template({"README.md": b"# x"}) is None
    assert find_template({"docs/PULL_REQUEST_TEMPLATE.md": b"## A\r\n"}) == PullTemplate(
        "docs/PULL_REQUEST_TEMPLATE.md", "## A")
    files = {".github/PULL_REQUEST_TEMPLATE/feature.md": b"## F",
             ".github/PULL_REQUEST_TEMPLATE/bug.md": b"## B", "pull_request_template.md": b""}
    assert template_paths(files) == ["pull_request_template.md",
                                     ".github/PULL_REQUEST_TEMPLATE/bug.md",
                                     ".github/PULL_REQUEST_TEMPLATE/feature.md"]
    assert find_template(files) == PullTemplate(".github/PULL_REQUEST_TEMPLATE/bug.md", "## B")
    both = {".github/pull_request_template.md": b"## G", "pull_request_template.md": b"## R"}
    assert find_template(both) == PullTemplate(".github/pull_request_template.md", "## G")
