"""Check runs, as the check run endpoints show them."""

from __future__ import annotations

from typing import Any

from emulators.github.records import CheckRun, Repo
from emulators.github.shapes.apps import app
from emulators.github.shapes.ids import node_id
from emulators.github.shapes.urls import repo_api, repo_html
from emulators.github.state import GitHubState


def check_run(state: GitHubState, repo: Repo, run: CheckRun) -> dict[str, Any]:
    url = f"{repo_api(state, repo)}/check-runs/{run.id}"
    ci = state.ci.get(repo.id)
    return {
        "id": run.id,
        "head_sha": run.head_sha,
        "node_id": node_id("CR", run.id),
        "external_id": run.external_id,
        "url": url,
        "html_url": f"{repo_html(state, repo)}/runs/{run.id}",
        "details_url": run.details_url,
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": run.started_at,
        "completed_at": run.completed_at,
        "name": run.name,
        "output": _output(run, url, len(ci.annotations.get(run.id, [])) if ci else 0),
        "check_suite": {"id": ci.suite_of.get(run.id, run.id) if ci else run.id},
        "app": app(state, state.apps[run.app_id]),
        "pull_requests": [],
    }


def _output(run: CheckRun, url: str, annotations: int) -> dict[str, Any]:
    """The run's output; annotations and images are only counted or linked, never echoed."""
    output = {"title": None, "summary": None, "text": None, **run.output}
    output.pop("annotations", None)
    output.pop("images", None)
    return output | {"annotations_count": annotations, "annotations_url": f"{url}/annotations"}
