"""Running the tests the way Kiln judges them: install when the manifests change, then test."""

from __future__ import annotations

import time

from worker.builder.budget import Meter
from worker.builder.entry import Kind
from worker.builder.events import StepKind
from worker.builder.excerpt import cut_middle
from worker.builder.installnote import install_note
from worker.builder.manifests import manifest_paths
from worker.builder.origin import PLANNED, TestOrigin
from worker.builder.outcome import EXCERPT_CHARS, Counts, TestOutcome, judge, not_run
from worker.builder.plan import Plan
from worker.builder.report import READ_SECONDS, ReportPlace, read_line, reading, run_line
from worker.builder.request import BuildRequest
from worker.builder.runners import NotARunner, Runner, resolve
from worker.builder.steplog import StepLog
from worker.builder.workspace import Workspace


class Suite:
    """Runs install and tests in the sandbox; remembers the latest and the best outcome."""

    def __init__(self, workspace: Workspace, plan: Plan, meter: Meter, log: StepLog,
                 origin: TestOrigin = PLANNED) -> None:
        self.workspace = workspace
        self.plan = plan
        self.origin = origin  # who chose the plan's test command
        self.meter = meter
        self.log = log
        self.latest: TestOutcome | None = None
        self.best: TestOutcome | None = None
        self._latest_version = -1
        self._installed: dict[str, bytes] | None = None

    def passes_now(self) -> bool:
        """True when the latest run passed and nothing changed since."""
        return bool(self.latest and self.latest.passed
                    and self._latest_version == self.workspace.version)

    def run(self) -> TestOutcome:
        """Install if needed, run the test command, pick up files it wrote; counts one test run."""
        self.meter.test_runs += 1
        outcome = self._install() or self._test()
        self.workspace.sync()
        self.latest, self._latest_version = outcome, self.workspace.version
        if self.best is None or outcome.rank >= self.best.rank:
            self.best = outcome
        self.log.emit(StepKind.TEST, f"iteration {self.log.iteration}: tests {outcome.summary}",
                      outcome.excerpt if not outcome.passed else "", tests=outcome)
        return outcome

    def _test(self) -> TestOutcome:
        command = self.plan.test_command
        try:
            # Resolved on every run: the model may have changed package.json's test script.
            runner = resolve(command, self.workspace.files)
        except NotARunner as refusal:
            return not_run(command, str(refusal), self.origin)
        place = ReportPlace.fresh(runner.report_format)
        # Bounded by the build's time left too, so a slow suite cannot outrun the budget.
        result = self.workspace.exec(run_line(runner, place),
                                     timeout=self.meter.command_timeout())
        output = "\n".join(part for part in (result.stdout, result.stderr) if part)
        return judge(command, result.exit_code, output, self._read(runner, place),
                     timed_out=result.timed_out, origin=self.origin)

    def _read(self, runner: Runner, place: ReportPlace) -> Counts | str:
        """The report's counts or why there are none, read by a command of Kiln's own once
        the test command and all it started have ended; printed output never counts."""
        result = self.workspace.exec(read_line(runner, place), timeout=READ_SECONDS)
        return reading(result.exit_code, result.stdout)

    def _install(self) -> TestOutcome | None:
        """None when installed (or nothing to install); else the failure as an outcome."""
        command = self.plan.install_command
        manifests = self._manifests()
        if command is None or manifests == self._installed:
            return None
        began = time.perf_counter()
        result = self.workspace.install(command, manifests, timeout=self.meter.install_timeout())
        note = install_note(result, time.perf_counter() - began)
        if not result.ok:
            output = cut_middle(f"{result.stdout}\n{result.stderr}".strip(), EXCERPT_CHARS, 0.3)
            self.log.emit(StepKind.INSTALL, note, output)
            return TestOutcome(command, False, result.exit_code, 0,
                               f"install failed, tests not run (exit code {result.exit_code})",
                               output, origin=self.origin)
        self._installed = manifests
        self.log.emit(StepKind.INSTALL, note)
        return None

    def _manifests(self) -> dict[str, bytes]:
        """Every dependency manifest and lock file in the tree by its blob id: what the
        install's cache is keyed on (the install itself sees the whole workspace)."""
        # Fingerprints, not contents: a monorepo's many manifests cost one sandbox call.
        files = [path for path, entry in self.workspace.entries().items()
                 if entry.kind in (Kind.FILE, Kind.EXECUTABLE) and "\n" not in path]
        return self.workspace.fingerprints(manifest_paths(files))


def origin_for(request: BuildRequest) -> TestOrigin:
    """Who chose the command that will judge the build: the request's fixed one, or the plan."""
    return request.test_origin if request.test_command else PLANNED
