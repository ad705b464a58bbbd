"""Asking the model for a plan, sending validation errors back until it gives a valid one."""

from __future__ import annotations

from pydantic import ValidationError

from worker.builder.budget import Meter
from worker.builder.chat import Chat
from worker.builder.errors import brief_errors
from worker.builder.events import StepKind, StopReason
from worker.builder.plan import Plan, plan_response_format
from worker.builder.prompts import Prompt, render
from worker.builder.request import BuildRequest
from worker.builder.steplog import StepLog
from worker.builder.stopping import Stopped
from worker.builder.transcript import Transcript


class Planner:
    """Gets a valid plan in at most ``attempts`` model answers; the config's overrides win."""

    def __init__(self, chat: Chat, transcript: Transcript, meter: Meter, log: StepLog) -> None:
        self.chat = chat
        self.transcript = transcript
        self.meter = meter
        self.log = log

    def plan(self, request: BuildRequest, attempts: int) -> Plan:
        """The accepted plan; raises Stopped when none comes or a budget runs out."""
        for attempt in range(1, attempts + 1):
            if (reason := self.meter.model_spent()) is not None:
                raise Stopped(reason)
            message = self.chat.ask(self.transcript.messages, tool_choice="none",
                                    response_format=plan_response_format())
            self.transcript.assistant(message)
            try:
                plan = with_overrides(Plan.model_validate_json(json_text(message.content)), request)
            except ValidationError as exc:
                errors = brief_errors(exc)
                self.log.emit(StepKind.PLAN, f"plan attempt {attempt} invalid", errors)
                self.transcript.user(render(Prompt.PLAN_INVALID, errors=errors))
                continue
            self.log.emit(StepKind.PLAN, f"plan: {plan.goal}", "\n".join(plan.steps), plan=plan)
            self.transcript.user(render(Prompt.BUILD_START, plan=plan))
            return plan
        raise Stopped(StopReason.NO_PLAN, f"{attempts} plans failed validation")


def json_text(content: str | None) -> str:
    """The answer without a Markdown code fence: endpoints without structured output add one."""
    text = (content or "").strip()
    if text.startswith("```") and text.endswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.removesuffix("```")
    return text


def with_overrides(plan: Plan, request: BuildRequest) -> Plan:
    """The plan with the repository configuration's language and commands put in."""
    fixed = {name: value for name, value in overrides(request) if value is not None}
    return Plan.model_validate({**plan.model_dump(), **fixed}) if fixed else plan


def overrides(request: BuildRequest) -> list[tuple[str, str | None]]:
    return [("language", request.language), ("install_command", request.install_command),
            ("test_command", request.test_command)]
