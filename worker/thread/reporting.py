"""What a finished build says: the final report, the pull request's text, the check result."""

from __future__ import annotations

from collections.abc import Mapping

from worker.builder import BuildResult, Plan
from worker.builder.checklist import Checklist
from worker.github.publisher import CheckResult, Publication
from worker.thread import messages
from worker.thread.progress import Report
from worker.thread.template import PullParts, find_template, shaped_body

NO_TESTS = messages.NO_TESTS


def goal_lines(plan: Plan, checklist: Checklist | None = None) -> tuple[str, ...]:
    """The plan's goal and steps as short lines, shown while the build works on them; with a
    checklist, the steps as a task list, ticked as they are done."""
    return (f"**Goal:** {plan.goal}", *(checklist.lines() if checklist else plan.steps))


def plan_lines(plan: Plan | None, checklist: Checklist | None = None) -> tuple[str, ...]:
    """The whole plan as short lines for the progress comment, its test command last."""
    if plan is None:
        return ()
    return (*goal_lines(plan, checklist), f"Tests: `{plan.test_command}`")


def summarize_tests(result: BuildResult) -> str:
    if result.tests is None:
        return NO_TESTS
    verdict = "passing" if result.tests.passed else "failing"
    return f"{verdict}: {result.tests.summary} ({result.tests.judged_by})"  # and who chose it


def check_result(result: BuildResult) -> CheckResult:
    details = result.tests.excerpt if result.tests else ""
    return CheckResult(result.passed, summarize_tests(result), details)


def held_back_note(held_back: list[str]) -> str:
    """What the thread says about protected paths Kiln did not push; "" when none."""
    if not held_back:
        return ""
    return messages.HELD_BACK.format(paths=", ".join(f"`{p}`" for p in held_back))


def final_report(result: BuildResult, publication: Publication | None, next_step: str = "",
                 held_back: list[str] | None = None) -> Report:
    """The end of the progress comment for a build that ran."""
    reason = "" if result.passed else str(result.stop_reason)
    next_step = "\n\n".join(filter(None, [held_back_note(held_back or []), next_step]))
    next_step = "\n\n".join(filter(None, [*(f"Note: {n}." for n in result.notes), next_step]))
    return Report(
        tests=summarize_tests(result),
        iterations=result.iterations,
        tokens=result.usage.total,
        cost_usd=result.cost_usd,
        link=publication.url if publication else None,
        link_text=publication.link_text if publication else "",
        reason=reason,
        next_step=next_step,
    )


def pull_parts(result: BuildResult, number: int, trigger: str,
               held_back: list[str]) -> PullParts:
    """What Kiln says in its pull request's description, in pieces."""
    plan = "\n".join(f"- {line}" for line in plan_lines(result.plan, result.checklist)
                     ) or "(no plan)"
    notes = []
    if result.existing_tests_changed:
        notes.append(messages.EXISTING_TESTS_CHANGED.format(
            paths=", ".join(f"`{p}`" for p in result.existing_tests_changed)))
    if held_back:
        notes.append(held_back_note(held_back))
    return PullParts(
        description=messages.PULL_DESCRIPTION.format(
            summary=result.summary or "Kiln's implementation of the issue.", plan=plan),
        testing="\n\n".join([messages.PULL_TESTING.format(
            tests=summarize_tests(result), iterations=result.iterations,
            tokens=result.usage.total, cost=result.cost_usd), *notes]),
        closing=messages.PULL_CLOSING.format(number=number),
        footer=messages.PULL_FOOTER.format(trigger=trigger))


def pull_body(result: BuildResult, number: int, trigger: str, held_back: list[str],
              files: Mapping[str, bytes] | None = None) -> str:
    """The pull request's description: in the repository's template when `files` (the base
    branch's) hold one, else in Kiln's own layout."""
    parts = pull_parts(result, number, trigger, held_back)
    template = find_template(files or {})
    if template is not None:
        return shaped_body(template.text, parts)
    return messages.PULL_BODY.format(description=parts.description, testing=parts.testing,
                                     closing=parts.closing, footer=parts.footer)
