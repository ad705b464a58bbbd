"""GitHub's JSON shapes for the emulator's records, one module per section of the API.

Renderers only read the state: whatever they name (an account, a label) was recorded
when it entered the state, so rendering the same records twice gives the same JSON.
"""

from emulators.github.shapes.accounts import organization, user
from emulators.github.shapes.apps import APP_PERMISSIONS, app, installation, permissions_of
from emulators.github.shapes.checks import check_run
from emulators.github.shapes.ci import (
    annotation,
    check_suite,
    combined_status,
    status,
    webhook_check_run,
    webhook_status,
    workflow,
    workflow_run,
)
from emulators.github.shapes.contents import (
    branch,
    branch_summary,
    content,
    directory_entry,
    repo_commit,
    submodule,
    symlink,
)
from emulators.github.shapes.diffs import diff
from emulators.github.shapes.events import (
    comment_fields,
    review_comment_fields,
    subject_fields,
    synchronize_fields,
)
from emulators.github.shapes.git import blob, commit, ref, tree
from emulators.github.shapes.ids import node_id
from emulators.github.shapes.issues import REACTION_NAMES, comment, issue, label, labels, reaction
from emulators.github.shapes.pulls import pull
from emulators.github.shapes.repos import permission, repo
from emulators.github.shapes.reviews import review, review_comment
from emulators.github.shapes.urls import pull_html, repo_api

__all__ = [
    "APP_PERMISSIONS",
    "REACTION_NAMES",
    "annotation",
    "app",
    "blob",
    "branch",
    "branch_summary",
    "check_run",
    "check_suite",
    "combined_status",
    "comment",
    "comment_fields",
    "commit",
    "content",
    "diff",
    "directory_entry",
    "installation",
    "issue",
    "label",
    "labels",
    "node_id",
    "organization",
    "permission",
    "permissions_of",
    "pull",
    "pull_html",
    "reaction",
    "ref",
    "repo",
    "repo_api",
    "repo_commit",
    "review",
    "review_comment",
    "review_comment_fields",
    "status",
    "subject_fields",
    "submodule",
    "symlink",
    "synchronize_fields",
    "tree",
    "user",
    "webhook_check_run",
    "webhook_status",
    "workflow",
    "workflow_run",
]
