"""The build loop: ask the model, carry out its tool calls, until it finishes or must stop."""

from __future__ import annotations

import time

from worker.builder.budget import Meter
from worker.builder.chat import Chat
from worker.builder.events import StepKind, StopReason
from worker.builder.instruction_files import NestedInstructions
from worker.builder.prompts import Prompt, render
from worker.builder.result import IterationStats
from worker.builder.steplog import StepLog
from worker.builder.stopping import Stopped
from worker.builder.toolbox import Toolbox
from worker.builder.tools import Finish
from worker.builder.transcript import Transcript

MAX_IDLE_TURNS = 2


class Agent:
    """Runs iterations (one model answer and its tool calls each) and keeps their figures."""

    def __init__(self, chat: Chat, transcript: Transcript, toolbox: Toolbox, meter: Meter,
                 log: StepLog, nested: NestedInstructions) -> None:
        self.chat = chat
        self.transcript = transcript
        self.toolbox = toolbox
        self.meter = meter
        self.log = log
        self.nested = nested  # the directories' own AGENTS.md, each given once
        self.finish: Finish | None = None
        self.stats: list[IterationStats] = []
        self._idle = 0

    def run(self) -> StopReason:
        """Iterate until a stop: the tests pass after finish, the model gives up, or a budget."""
        while True:
            if (reason := self.meter.model_spent()) is not None:
                raise Stopped(reason)
            self.log.iteration += 1
            before = self._clocks()
            reason = self._iterate()
            total, model, commands, files = (
                now - then for now, then in zip(self._clocks(), before, strict=True))
            self.stats.append(IterationStats(self.log.iteration, total, model, commands, files,
                                             self.chat.last_prompt_tokens))
            if reason is not None:
                return reason

    def _clocks(self) -> tuple[float, float, float, float]:
        """Total, model, sandbox command and sandbox file seconds, for per-iteration figures."""
        workspace = self.toolbox.workspace
        return (time.perf_counter(), self.chat.seconds, workspace.exec_seconds,
                workspace.file_seconds)

    def _iterate(self) -> StopReason | None:
        message = self.chat.ask(self.transcript.messages)
        self.transcript.assistant(message)
        calls = [call for call in message.tool_calls or () if call.type == "function"]
        names = ", ".join(call.function.name for call in calls) or "no tool"
        self.log.emit(StepKind.MODEL, f"iteration {self.log.iteration}: model called {names}",
                      message.content or "")
        if not calls:
            return self._idle_turn()
        self._idle = 0
        for call in calls:
            result = self.toolbox.call(call.function.name, call.function.arguments)
            guidance = self._guidance(call.function.arguments)
            self.transcript.tool(call.id, result.content + guidance, result.topic,
                                 kept=guidance)
            if result.stop is not None:
                self.finish = result.finish
                return result.stop
        return None

    def _guidance(self, arguments: str) -> str:
        """The nested `AGENTS.md` a call's path brings in for the first time, rendered to
        follow its result; "" when there is none."""
        found = self.nested.for_call(arguments)
        if found is None:
            return ""
        self.log.emit(StepKind.INSTRUCTIONS, f"directory instructions: {found.path}")
        directory = found.path.rsplit("/", 1)[0]
        return "\n\n" + render(Prompt.DIRECTORY_INSTRUCTIONS, file=found, directory=directory)

    def _idle_turn(self) -> StopReason | None:
        """A turn without tool calls: nudge the model, and give up after a few in a row."""
        self._idle += 1
        if self._idle >= MAX_IDLE_TURNS:
            return StopReason.GAVE_UP
        self.transcript.user(render(Prompt.NUDGE))
        return None
