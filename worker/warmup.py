"""Loading, once in the worker process, what every forked work-horse would load again per job.

RQ forks a work-horse for each job, and a horse starts with what its parent had loaded.
githubkit imports each response and request model lazily on first use, about 200 ms for
the set a build needs: done here, that time is off the path to a job's first visible answer.
"""

from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)

MODELS_MODULE = "githubkit_schemas.latest.models"
# The models of the endpoints Kiln's jobs call (responses, request bodies, errors).
GITHUB_MODELS = (
    "AppInstallationsInstallationIdAccessTokensPostBody", "BasicError", "Blob", "CheckRun",
    "ContentDirectoryItems", "ContentFile", "ContentSubmodule", "ContentSymlink",
    "FullRepository", "GitCommit", "GitRef", "GitTree", "InstallationToken", "Issue",
    "IssueComment", "Label", "OrgsOrgReposPostBody", "PullRequest", "PullRequestReview",
    "PullRequestReviewComment", "PullRequestSimple", "Reaction",
    "ReposOwnerRepoCheckRunsPostBodyOneof0", "ReposOwnerRepoCheckRunsPostBodyOneof1",
    "ReposOwnerRepoGitBlobsPostBody", "ReposOwnerRepoGitCommitsPostBody",
    "ReposOwnerRepoGitRefsPostBody", "ReposOwnerRepoGitRefsRefPatchBody",
    "ReposOwnerRepoGitTreesPostBody", "ReposOwnerRepoIssuesCommentsCommentIdPatchBody",
    "ReposOwnerRepoIssuesIssueNumberCommentsPostBody",
    "ReposOwnerRepoIssuesIssueNumberLabelsPostBodyOneof0",
    "ReposOwnerRepoIssuesIssueNumberReactionsPostBody", "ReposOwnerRepoPullsPostBody",
    "ReposOwnerRepoPullsPullNumberCommentsCommentIdRepliesPostBody",
    "ReposOwnerRepoPullsPullNumberPatchBody",
    "ReposOwnerRepoPullsPullNumberRequestedReviewersPostBodyAnyof0",
    "RepositoryCollaboratorPermission", "ReviewComment", "ShortBlob", "ValidationError",
)


def warm_up() -> None:
    """Import the jobs and the GitHub models they use, and compile the comment template."""
    from worker import jobs  # noqa: F401  (imported to be inherited by horses)
    from worker.thread import progress

    progress.compile_templates()
    models = importlib.import_module(MODELS_MODULE)
    missing = [name for name in GITHUB_MODELS if not hasattr(models, name)]
    if missing:  # a newer githubkit renamed some; jobs still work, only slower to start
        log.info("githubkit models not found for warm-up: %s", ", ".join(missing))
