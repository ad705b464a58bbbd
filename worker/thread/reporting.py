"""What a finished build says: the final report, the pull request's text, the check result."""

from __future__ import annotations

from worker.builder import BuildResult, Plan
from worker.github.publisher import CheckResult, Publication
from worker.thread import messages
from worker.thread.progress import Report

NO_TESTS = messages.NO_TESTS


def goal_lines(plan: Plan) -> tuple[str, ...]:
    """The plan's goal and steps as short lines, shown while the build works on them."""
    return (f"**Goal:** {plan.goal}", *plan.steps)


def plan_lines(plan: Plan | None) -> tuple[str, ...]:
    """The whole plan as short lines for the progress comment, its test command last."""
    if plan is None:
        return ()
    return (*goal_lines(plan), f"Tests: `{plan.test_command}`")


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


def pull_body(result: BuildResult, number: int, trigger: str, held_back: list[str]) -> str:
    """The pull request's description."""
    plan = "\n".join(f"- {line}" for line in plan_lines(result.plan)) or "(no plan)"
    notes = []
    if result.existing_tests_changed:
        notes.append(messages.EXISTING_TESTS_CHANGED.format(
            paths=", ".join(f"`{p}`" for p in result.existing_tests_changed)))
    if held_back:
        notes.append(held_back_note(held_back))
    extra = "".join(f"\n{note}\n" for note in notes)
    return messages.PULL_BODY.format(
        summary=result.summary or "Kiln's implementation of the issue.", plan=plan,
        tests=summarize_tests(result), iterations=result.iterations, tokens=result.usage.total,
        cost=result.cost_usd, extra=extra, number=number, trigger=trigger)
