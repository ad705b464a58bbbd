"""Carrying out the model's tool calls; every mistake becomes a tool result, never an exception."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from worker.builder import tools
from worker.builder.budget import Meter
from worker.builder.checklist import Checklist
from worker.builder.errors import brief_errors
from worker.builder.events import StepKind, StopReason
from worker.builder.excerpt import cut_middle
from worker.builder.filepage import file_page
from worker.builder.filetext import edited, shown, written
from worker.builder.linkrules import readable, writable_entry
from worker.builder.paths import clean_path
from worker.builder.prompts import Prompt, render
from worker.builder.protected import Protection, protection_reason
from worker.builder.steplog import StepLog
from worker.builder.suite import Suite
from worker.builder.workspace import Workspace

READ_LIMIT_CHARS = 40_000
STREAM_LIMIT_CHARS = 6_000
READ_VIA_LINK = "[{path} goes through the symbolic link {link} -> {target}: this is {real}]\n"
TOOL_FAILURES = (ValueError, FileNotFoundError)
PROTECTED = ("{path} is protected ({reason}); a Kiln build may not change it. Leave it as it "
             "is, and if the task needs it changed, say so in your finish summary for a "
             "maintainer.")
PROTECTED_BY_COMMAND = ("Protected, so Kiln will not publish these changes: {paths}. Do not "
                        "rely on them; say in your finish summary if a maintainer must make them.")


@dataclass(frozen=True)
class ToolResult:
    """What goes back to the model; ``stop`` ends the run, ``finish`` is an accepted finish call."""

    content: str
    topic: str | None = None
    stop: StopReason | None = None
    finish: tools.Finish | None = None


class Toolbox:
    """Dispatches calls by name to the workspace, the sandbox and the test suite.

    The file tools never re-encode a byte (``filetext``) and never write through a symlink
    (``linkrules``); they go by the workspace's entries, so listing reads no file.
    """

    def __init__(self, workspace: Workspace, suite: Suite, meter: Meter, log: StepLog,
                 protection: Protection | None = None,
                 checklist: Checklist | None = None) -> None:
        self.workspace = workspace
        self.suite = suite
        self.meter = meter
        self.log = log
        self.protection = protection or Protection()
        self.checklist = checklist or Checklist(())  # the plan's steps, ticked as they are done

    def call(self, name: str, arguments: str) -> ToolResult:
        model = tools.TOOL_ARGS.get(name)
        if model is None:
            known = ", ".join(tools.TOOL_ARGS)
            return self._refuse(name, f"unknown tool {name!r}; use one of {known}")
        try:
            args = model.model_validate_json(arguments or "{}")
        except ValidationError as exc:
            return self._refuse(name, f"invalid arguments for {name}: {brief_errors(exc)}")
        try:
            return getattr(self, f"_{name}")(args)
        except TOOL_FAILURES as exc:
            return self._refuse(name, f"{name} failed: {exc}")

    def _refuse(self, name: str, message: str) -> ToolResult:
        self.log.emit(StepKind.TOOL, f"{name}: error", message)
        return ToolResult(f"Error: {message}")

    def _writable(self, path: str) -> str:
        """The cleaned path, or ValueError telling the model it is protected."""
        key = clean_path(path)
        if (reason := protection_reason(key, self.protection)) is not None:
            raise ValueError(PROTECTED.format(path=key, reason=reason))
        return key

    def _list_files(self, args: tools.ListFiles) -> ToolResult:
        content = file_page(self.workspace.entries(), args.directory, args.offset)
        self.log.emit(StepKind.TOOL, f"listed {args.directory.strip('/') or 'all'} files"
                                     f"{f' from {args.offset}' if args.offset else ''}")
        return ToolResult(content, "tree")

    def _read_file(self, args: tools.ReadFile) -> ToolResult:
        path = clean_path(args.path)
        found = readable(path, self.workspace.entries())
        via = READ_VIA_LINK.format(path=path, link=found.link, target=found.target,
                                   real=found.real) if found.link else ""
        text = shown(found.real, self.workspace.read(found.real))
        self.log.emit(StepKind.TOOL, f"read {path}")
        return ToolResult(via + cut_middle(text, READ_LIMIT_CHARS), _file_topic(found.real))

    def _write_file(self, args: tools.WriteFile) -> ToolResult:
        key = self._writable(args.path)
        entry = writable_entry(key, self.workspace.entries(), itself=True)
        existing = self.workspace.read(key) if entry is not None else None
        data, form = written(key, existing, args.content)
        path = self.workspace.write(key, data)
        kept = f"; kept its {' and '.join(form.kept())}" if form.kept() else ""
        self.log.emit(StepKind.TOOL, f"wrote {path}")
        return ToolResult(f"wrote {path} ({len(args.content)} characters{kept})",
                          _file_topic(path))

    def _edit_file(self, args: tools.EditFile) -> ToolResult:
        key = self._writable(args.path)
        writable_entry(key, self.workspace.entries(), itself=True)
        data, line = edited(key, self.workspace.read(key), args.old, args.new)
        path = self.workspace.write(key, data)
        self.log.emit(StepKind.TOOL, f"edited {path}")
        return ToolResult(f"edited {path} at line {line}", _file_topic(path))

    def _delete_file(self, args: tools.DeleteFile) -> ToolResult:
        key = self._writable(args.path)
        writable_entry(key, self.workspace.entries(), itself=False)
        path = self.workspace.delete(key)
        self.log.emit(StepKind.TOOL, f"deleted {path}")
        return ToolResult(f"deleted {path}", _file_topic(path))

    def _run_command(self, args: tools.RunCommand) -> ToolResult:
        if (reason := self.meter.clock_spent()) is not None:
            return ToolResult("Error: no time left to run a command", stop=reason)
        timeout = min(float(args.timeout), self.meter.remaining_seconds())
        result = self.workspace.exec(args.command, timeout=timeout)
        changed = self.workspace.sync()
        stdout = cut_middle(result.stdout, STREAM_LIMIT_CHARS)
        stderr = cut_middle(result.stderr, STREAM_LIMIT_CHARS)
        self.log.emit(StepKind.TOOL, f"ran {args.command}: exit code {result.exit_code}",
                      "\n".join(part for part in (stdout, stderr) if part))
        content = render(Prompt.COMMAND_RESULT, result=result, changed=changed,
                         stdout=stdout, stderr=stderr)
        held = [path for path in changed if protection_reason(path, self.protection)]
        if held:  # the sandbox keeps them, but publishing drops them: the model must know
            content += PROTECTED_BY_COMMAND.format(paths=", ".join(held)) + "\n"
        return ToolResult(content, f"command:{args.command}")

    def _run_tests(self, _args: tools.RunTests) -> ToolResult:
        if (reason := self.meter.tests_spent()) is not None:
            return ToolResult(f"Error: {reason}", stop=reason)
        outcome = self.suite.run()
        return ToolResult(render(Prompt.TESTS_RESULT, outcome=outcome, rejected=False), "tests")

    def _complete_step(self, args: tools.CompleteStep) -> ToolResult:
        self.checklist = self.checklist.tick(args.step, args.note)
        step = self.checklist.steps[args.step - 1]
        self.log.emit(StepKind.PROGRESS, f"step {args.step} done: {step}", args.note,
                      checklist=self.checklist)
        left = ", ".join(map(str, self.checklist.remaining)) or "none"
        return ToolResult(f"step {args.step} ticked; steps still open: {left}")

    def _finish(self, args: tools.Finish) -> ToolResult:
        if self.suite.passes_now():
            return ToolResult("finished", stop=StopReason.PASSED, finish=args)
        if (reason := self.meter.tests_spent()) is not None:
            return ToolResult(f"Error: {reason}", stop=reason)
        outcome = self.suite.run()
        if outcome.passed:
            return ToolResult("finished", stop=StopReason.PASSED, finish=args)
        return ToolResult(render(Prompt.TESTS_RESULT, outcome=outcome, rejected=True), "tests")


def _file_topic(path: str) -> str:
    return f"file:{path}"
