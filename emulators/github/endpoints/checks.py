"""Check run endpoints: create, update and read the runs an app reports on a commit."""

from __future__ import annotations

from emulators.github import shapes
from emulators.github.errors import invalid, not_found
from emulators.github.operations import resolve
from emulators.github.pagination import paginate
from emulators.github.records import CheckRun, Repo
from emulators.github.routing import Call, Reply, Route
from emulators.github.textlimits import check_output

STATUSES = ("queued", "in_progress", "completed", "waiting", "requested", "pending")
CONCLUSIONS = (
    "action_required",
    "cancelled",
    "failure",
    "neutral",
    "success",
    "skipped",
    "stale",
    "timed_out",
)


def create_check_run(call: Call) -> Reply:
    repo = call.repo()
    head_sha = str(call.field("head_sha", required=True))
    if not repo.git.has(head_sha, "commit"):
        raise invalid(f"No commit found for SHA: {head_sha}")
    run = CheckRun(
        call.state.next_id(),
        str(call.field("name", required=True)),
        head_sha,
        call.caller.app.id,
        "queued",
        None,
        call.state.now(),
        None,
    )
    _apply(call, run)
    repo.check_runs.append(run)
    return Reply(201, shapes.check_run(call.state, repo, run))


def _apply(call: Call, run: CheckRun) -> None:
    status = call.field("status", run.status)
    conclusion = call.field("conclusion", run.conclusion)
    if status not in STATUSES or (conclusion is not None and conclusion not in CONCLUSIONS):
        raise invalid("Validation Failed", "CheckRun", "status")
    if conclusion is not None:
        status = "completed"
    if status == "completed" and conclusion is None:
        raise invalid("Validation Failed", "CheckRun", "conclusion", "missing_field")
    run.status, run.conclusion = status, conclusion
    run.name = call.field("name", run.name)
    check_output(call.field("output"))
    run.output = call.field("output", run.output) or {}
    run.details_url = call.field("details_url", run.details_url)
    run.external_id = call.field("external_id", run.external_id)
    run.started_at = call.field("started_at", run.started_at)
    if status == "completed":
        run.completed_at = call.field("completed_at", run.completed_at or call.state.now())


def _run(call: Call) -> tuple[Repo, CheckRun]:
    repo = call.repo()
    run = next((r for r in repo.check_runs if r.id == call.number("check_run_id")), None)
    if run is None:
        raise not_found()
    return repo, run


def update_check_run(call: Call) -> Reply:
    repo, run = _run(call)
    if run.app_id != call.caller.app.id:
        raise invalid(
            "Invalid app_id `" + str(call.caller.app.id) + "` - check run can only be "
            "modified by the GitHub App that created it."
        )
    _apply(call, run)
    return Reply(200, shapes.check_run(call.state, repo, run))


def get_check_run(call: Call) -> Reply:
    repo, run = _run(call)
    return Reply(200, shapes.check_run(call.state, repo, run))


def list_annotations(call: Call) -> Reply:
    """What the run's app reported line by line, paged."""
    repo, run = _run(call)
    given = call.state.ci.get(repo.id)
    found = given.annotations.get(run.id, []) if given else []
    return paginate([shapes.annotation(call.state, repo, run, a) for a in found], call.query,
                    call.url)


def list_for_ref(call: Call) -> Reply:
    repo = call.repo()
    sha = resolve(repo, call.params["ref"])
    found = [r for r in repo.check_runs if r.head_sha == sha]
    if call.query.get("filter", "latest") == "latest":
        # GitHub's default: only the newest run of each name from each app
        newest = {(r.app_id, r.name): r for r in sorted(found, key=lambda r: r.id)}
        found = sorted(newest.values(), key=lambda r: r.id)
    runs = [shapes.check_run(call.state, repo, r) for r in found]
    return Reply(200, {"total_count": len(runs), "check_runs": runs})


ROUTES = [
    Route("POST", "/repos/{owner}/{repo}/check-runs", create_check_run),
    Route("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}", get_check_run),
    Route("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", update_check_run),
    Route("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations", list_annotations),
    Route("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", list_for_ref),
]
