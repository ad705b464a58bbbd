"""``run_build``: plan, then build and test in one sandbox, and return the result."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager

import openai

from worker.builder.agent import Agent
from worker.builder.budget import Meter, Usage
from worker.builder.carryover import continuation_prompt
from worker.builder.changeset import ChangeSet, TreeAfter
from worker.builder.chat import Chat
from worker.builder.checklist import Checklist
from worker.builder.events import Step, StepKind, StopReason
from worker.builder.instruction_files import NestedInstructions, instructions_line
from worker.builder.plan import Plan
from worker.builder.planner import Planner, overrides, with_overrides
from worker.builder.prompts import Prompt, render
from worker.builder.request import BuildRequest
from worker.builder.result import BuildResult
from worker.builder.steplog import StepLog
from worker.builder.stopping import Stopped
from worker.builder.suite import Suite, origin_for
from worker.builder.testfiles import is_test_path
from worker.builder.toolbox import Toolbox
from worker.builder.transcript import Transcript
from worker.builder.treemap import request_words, starting_entries, tree_map
from worker.builder.workspace import Box, Workspace

OpenSandbox = Callable[[str], AbstractContextManager[Box]]


def _ignore(_step: Step) -> None:
    """The default ``on_step``: nobody is listening."""


class _Run:
    """The collaborators one build shares: meter, step log, model chat and conversation."""

    def __init__(self, request: BuildRequest, llm: openai.OpenAI,
                 on_step: Callable[[Step], None], clock: Callable[[], float]) -> None:
        self.request = request
        self.meter = Meter(request.budget, clock, request.limits)
        self.log = StepLog(on_step, self.meter, request.prices)
        self.chat = Chat(llm, request.model, self.meter)
        self.transcript = Transcript(render(Prompt.SYSTEM))
        self.transcript.user(task_prompt(request))


def run_build(request: BuildRequest, *, llm: openai.OpenAI, open_sandbox: OpenSandbox,
              on_step: Callable[[Step], None] = _ignore,
              clock: Callable[[], float] = time.monotonic) -> BuildResult:
    """Build what the request asks for. Never raises for model, tool or test failures:
    those end in ``passed=False`` with the stop reason."""
    run = _Run(request, llm, on_step, clock)
    if request.instruction_files:
        run.log.emit(StepKind.INSTRUCTIONS, instructions_line(request.instruction_files))
    try:
        plan = _plan(run)
    except Stopped as stop:
        return _finish_early(run, stop)
    with open_sandbox(plan.language) as box:
        workspace = Workspace(box, request.files)
        suite = Suite(workspace, plan, run.meter, run.log, origin_for(request))
        toolbox = Toolbox(workspace, suite, run.meter, run.log, request.protection,
                          _checklist(request, plan))
        agent = Agent(run.chat, run.transcript, toolbox, run.meter, run.log,
                      NestedInstructions(request.files))
        try:
            reason, detail = agent.run(), ""
        except Stopped as stop:
            reason, detail = stop.reason, stop.detail
        changed = workspace.changes()  # git in the sandbox says what changed: ask before it goes
    return _result(run, plan, changed, suite, agent, reason, detail)


def _plan(run: _Run) -> Plan:
    """The model's plan, or a continued build's plan as it was accepted (#15)."""
    request = run.request
    if request.carryover is None:
        return Planner(run.chat, run.transcript, run.meter, run.log).plan(
            request, request.plan_attempts)
    plan = with_overrides(request.carryover.plan, request)
    checklist = request.carryover.checklist()
    run.log.emit(StepKind.PLAN, f"plan carried over: {plan.goal} ({checklist.tally()})",
                 "\n".join(checklist.lines()), plan=plan, checklist=checklist)
    return plan


def _checklist(request: BuildRequest, plan: Plan) -> Checklist:
    return request.carryover.checklist() if request.carryover else Checklist.of(plan)


def task_prompt(request: BuildRequest) -> str:
    fixed = [(name, value) for name, value in overrides(request) if value is not None]
    return render(Prompt.TASK, title=request.title, body=request.body,
                  instructions=request.instructions.strip(),
                  instruction_files=request.instruction_files, feedback=request.feedback,
                  tree=tree_map(starting_entries(request.files), request_words(request)),
                  fixed=fixed, carryover=continuation_prompt(request.carryover)
                  if request.carryover else "")


def _finish_early(run: _Run, stop: Stopped) -> BuildResult:
    run.log.emit(StepKind.STOP, f"stopped: {stop.reason}", stop.detail)
    usage = run.meter.usage
    return BuildResult(
        passed=False, stop_reason=stop.reason, plan=None, files=run.request.files,
        changes={}, tests=None, existing_tests_changed=[], iterations=0, usage=usage,
        cost_usd=run.request.prices.cost(usage), steps=run.log.steps, summary="", replies={},
        notes=report_notes(run.request, usage))


def _result(run: _Run, plan: Plan, changed: ChangeSet, suite: Suite, agent: Agent,
            reason: StopReason, detail: str) -> BuildResult:
    passed, tests = reason is StopReason.PASSED, suite.latest
    tested = f" ({tests.summary})" if tests else ""
    run.log.emit(StepKind.STOP, f"{'done' if passed else 'stopped'}: {reason}{tested}", detail)
    changes = changed.files
    existing_tests = [path for path in changes if path in run.request.files and is_test_path(path)]
    replies = agent.finish.replies if agent.finish else []
    checklist = agent.toolbox.checklist
    return BuildResult(
        passed=passed, stop_reason=reason, plan=plan,
        files=TreeAfter(run.request.files, changes), changes=changes, modes=changed.modes,
        left_out=changed.left_out, tests=tests, existing_tests_changed=sorted(existing_tests),
        iterations=run.log.iteration, usage=run.meter.usage,
        cost_usd=run.request.prices.cost(run.meter.usage), steps=run.log.steps,
        summary=agent.finish.summary if agent.finish else "",
        replies={reply.comment_id: reply.reply for reply in replies},
        best_tests=suite.best, stats=agent.stats, notes=report_notes(run.request, run.meter.usage),
        checklist=checklist.completed() if passed else checklist)


def report_notes(request: BuildRequest, usage: Usage) -> tuple[str, ...]:
    """The request's notes, and a word on tokens Kiln had to estimate."""
    if not usage.estimated_calls:
        return request.notes
    return (*request.notes, f"tokens of {usage.estimated_calls} of {usage.calls} model answers "
                            "are Kiln's estimate: the model server reported no usage")
