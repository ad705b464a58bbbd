"""Other apps' CI on a repository's commits: check suites and runs, annotations, Actions job
logs and commit statuses, as GitHub Actions or an external CI would report them."""

from __future__ import annotations

import secrets

from emulators.github import shapes
from emulators.github.cirecords import CheckReport, CheckSuite, CommitStatus, LogLink, RepoCi
from emulators.github.records import CheckRun, EmulatedApp, Repo
from emulators.github.registration import register_app
from emulators.github.shapes.urls import repo_html
from emulators.github.state import GitHubState
from emulators.github.webhooks import Outgoing, WebhookSender

ACTIONS = "github-actions"
LOG_LINK_SECONDS = 60.0  # GitHub's log links expire after a minute
LOG_PATH = "/_emulator/actions-logs"


def ci_of(state: GitHubState, repo: Repo) -> RepoCi:
    """The repository's CI records, made on first use."""
    return state.ci.setdefault(repo.id, RepoCi())


def other_app(state: GitHubState, slug: str) -> EmulatedApp:
    """The App called `slug` (registered the first time it reports)."""
    found = next((a for a in state.apps.values() if a.slug == slug), None)
    return found or register_app(state, slug, secrets.token_hex(8), None)


def suite_for(state: GitHubState, repo: Repo, app: EmulatedApp, sha: str,
              workflow: str) -> CheckSuite:
    """The app's suite on `sha` (one per app and commit, as GitHub makes them)."""
    ci = ci_of(state, repo)
    found = next((s for s in ci.suites if s.app_id == app.id and s.head_sha == sha), None)
    if found is None:
        branch = next((ref.removeprefix("refs/heads/") for ref, head in repo.refs.items()
                       if head == sha and ref.startswith("refs/heads/")), None)
        found = CheckSuite(state.next_id(), app.id, sha, branch, state.now(), workflow,
                           state.next_id())
        ci.suites.append(found)
    return found


def add_check_run(state: GitHubState, repo: Repo, app: EmulatedApp, sha: str,
                  report: CheckReport) -> tuple[CheckRun, CheckSuite]:
    """Record a check run by `app` on `sha`, with its annotations and (Actions) job log: a run
    of that name still under way in the suite is the one that ends now; else a new one."""
    suite = suite_for(state, repo, app, sha, report.workflow)
    ci = ci_of(state, repo)
    now = state.now()
    run = next((r for r in suite_runs(state, repo, suite)
                if r.name == report.name and r.status != "completed"), None)
    if run is None:
        run = CheckRun(state.next_id(), report.name, sha, app.id, report.status, None, now,
                       None, external_id="")
        run.details_url = f"{repo_html(state, repo)}/actions/runs/{suite.run_id}/job/{run.id}"
        repo.check_runs.append(run)
        ci.suite_of[run.id] = suite.id
    run.status, run.conclusion = report.status, report.conclusion
    run.output = dict(report.output or {})
    run.completed_at = now if report.status == "completed" else None
    ci.annotations[run.id] = [dict(a) for a in report.annotations or []]
    if report.log is not None:
        ci.logs[run.id] = report.log
    return run, suite


def suite_runs(state: GitHubState, repo: Repo, suite: CheckSuite) -> list[CheckRun]:
    suite_of = ci_of(state, repo).suite_of
    return [r for r in repo.check_runs if suite_of.get(r.id) == suite.id]


def suite_state(runs: list[CheckRun]) -> tuple[str, str | None]:
    """A suite's status and conclusion from the newest run of each name: the worst conclusion
    once all ended."""
    runs = list({r.name: r for r in sorted(runs, key=lambda r: r.id)}.values())
    if any(r.status != "completed" for r in runs):
        return "in_progress", None
    order = ("action_required", "cancelled", "timed_out", "failure", "neutral", "skipped",
             "success")
    found = [r.conclusion for r in runs if r.conclusion in order]
    return "completed", min(found, key=order.index) if found else "success"


def combined_state(statuses: list[CommitStatus]) -> str:
    """GitHub's combined state: failure if any failed or erred, pending if any pends or none
    exist, else success (latest status per context)."""
    states = {s.state for s in latest_statuses(statuses)}
    if states & {"error", "failure"}:
        return "failure"
    if not states or "pending" in states:
        return "pending"
    return "success"


def latest_statuses(statuses: list[CommitStatus]) -> list[CommitStatus]:
    """The newest status of each context, newest first."""
    seen: dict[str, CommitStatus] = {}
    for status in sorted(statuses, key=lambda s: s.id, reverse=True):
        seen.setdefault(status.context, status)
    return list(seen.values())


def log_link(state: GitHubState, repo: Repo, job_id: int) -> str:
    """A new download address for a job's log, valid for a minute."""
    token = secrets.token_urlsafe(16)
    state.log_links[token] = LogLink((repo.owner.lower(), repo.name.lower()), job_id,
                                     state.clock() + LOG_LINK_SECONDS)
    return f"{state.base_url}{LOG_PATH}/{token}"


def report_check(state: GitHubState, webhooks: WebhookSender, repo: Repo, sha: str,
                 report: CheckReport, app_slug: str) -> tuple[int, list[Outgoing]]:
    """Record a check run by another app and build the webhooks GitHub sends for it: the run's,
    and once its suite has ended, the suite's (and for Actions the workflow run's). The sender
    is the app's bot; call with the state locked."""
    app = other_app(state, app_slug)
    run, suite = add_check_run(state, repo, app, sha, report)
    actor = app.bot_login
    state.ensure_actor(actor)
    action = "completed" if run.status == "completed" else "created"
    outgoing = webhooks.build(repo, "check_run", action, actor, {
        "check_run": shapes.webhook_check_run(state, repo, run, suite)})
    status, conclusion = suite_state(suite_runs(state, repo, suite))
    if status == "completed":
        outgoing += webhooks.build(repo, "check_suite", "completed", actor, {
            "check_suite": shapes.check_suite(state, repo, suite, status, conclusion)})
        if app.slug == ACTIONS:
            outgoing += webhooks.build(repo, "workflow_run", "completed", actor, {
                "workflow_run": shapes.workflow_run(state, repo, suite, status, conclusion,
                                                    actor),
                "workflow": shapes.workflow(state, repo, suite)})
    return run.id, outgoing


def add_status(state: GitHubState, repo: Repo, sha: str, context: str, status_state: str,
               description: str | None, creator: str) -> CommitStatus:
    """A commit status, as an external CI posts it (``POST /repos/{o}/{r}/statuses/{sha}``)."""
    state.ensure_actor(creator)
    status = CommitStatus(state.next_id(), sha, context, status_state, description, None,
                          creator, state.now())
    ci_of(state, repo).statuses.append(status)
    return status


def report_status(state: GitHubState, webhooks: WebhookSender, repo: Repo, sha: str,
                  context: str, status_state: str, description: str | None,
                  creator: str) -> tuple[CommitStatus, list[Outgoing]]:
    """Record an external CI's commit status and build GitHub's ``status`` webhook for it (sent
    for every state, pending included; the sender is the status's creator); call with the
    state locked."""
    status = add_status(state, repo, sha, context, status_state, description, creator)
    outgoing = webhooks.build(repo, "status", None, creator,
                              shapes.webhook_status(state, repo, status))
    return status, outgoing
