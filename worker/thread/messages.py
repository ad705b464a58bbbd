"""The texts Kiln writes on GitHub besides the progress comment: replies, bodies, summaries."""

UNAUTHORIZED = (
    "{marker}\nHi @{login}, thanks for the nudge! Only people with write access to this "
    "repository can start or steer Kiln, so I have left this one alone. A maintainer can "
    "add the `{label}` label to start a build."
)
UNAUTHORIZED_MARKER = "<!-- kiln:unauthorized {login} -->"

BUSY_MARKER = "<!-- kiln:busy {job_id} -->"
BUSY = (
    "{marker}\n@{login}, Kiln is already working on this ({state}). One build at a time per "
    "issue or pull request: wait for it to finish, or comment `/kiln cancel` to stop it."
)

INVALID_CONFIG = (
    "{marker}\n😕 Kiln did not start: `.github/kiln.yml` has a problem.\n\n```\n{error}\n```\n\n"
    "Fix the file on the default branch, then comment `/kiln retry`."
)
INVALID_CONFIG_MARKER = "<!-- kiln:invalid-config -->"

UNKNOWN_COMMAND = (
    "@{login}, I don't know `/kiln {name}`. I understand:\n"
    "- `/kiln retry`: build this issue again\n"
    "- `/kiln cancel`: stop the running build and its sandbox\n"
    "- `/kiln status`: say what Kiln is doing here"
)
RETRY_QUEUED = "@{login}, queued a new build."
CANCELLED = "Cancelled by @{login}: the job and its sandbox were stopped."
NOTHING_TO_CANCEL = "@{login}, nothing is running here, so there is nothing to cancel."
STATUS_RUNNING = "@{login}, Kiln is working on this: {state} (job `{job_id}`)."
STATUS_IDLE = "@{login}, nothing is running here. The progress comment above has the last result."

ISSUE_CHANGED = "the issue's text changed after the build was asked for, so nothing was built"
ISSUE_CHANGED_NEXT = (
    "Kiln builds only the text that whoever asked for the build saw. A maintainer who has read "
    "the current text can remove and add the `{label}` label again, or comment `/kiln retry`."
)
RETRY_HINT = "Comment `/kiln retry` to try again."
NEXT_STEP_FAILED = (
    "The best attempt is on branch `{branch}`. Clarify the issue or adjust "
    "`.github/kiln.yml` (budgets, test command), then comment `/kiln retry`."
)
COMMAND_FAILED = (
    "{marker}\n@{login}, Kiln could not answer `/kiln {name}`: {reason}. "
    "Comment it again in a while."
)
NEXT_STEP_CRASHED = (
    "The job stopped unexpectedly ({reason}). Nothing more will happen on its own: "
    "comment `/kiln retry` to build again."
)
EXISTING_TESTS_CHANGED = "⚠️ Existing tests were changed, please review them closely: {paths}"
HELD_BACK = (
    "Held back, not pushed: {paths}. Kiln never changes `.github/` (`.github/workflows/` only "
    "with `allow_workflow_changes: true` in `.github/kiln.yml`), `CODEOWNERS`, `.git` "
    "directories, or the config's `protected_paths`; a maintainer can make such changes."
)
REPOSITORY_TAKEN = (
    "`{repo}` already exists and Kiln cannot tell it created it for this issue, so nothing "
    "was pushed"
)
REPOSITORY_TAKEN_NEXT = (
    "Kiln only pushes into a repository it created for this issue. Change `new_repository.name`"
    " in `.github/kiln.yml` on the default branch, or free the name, then comment "
    "`/kiln retry`."
)

PULL_TITLE = "{title} (#{number})"
PULL_BODY = """{summary}

## Plan
{plan}

## Tests
{tests}

Iterations: {iterations} · tokens: {tokens:,} · cost: ${cost:.4f}
{extra}
Closes #{number}

<sub>Built by Kiln for @{trigger}. Review it; a review requesting changes makes Kiln revise.</sub>
"""
COMMIT_MESSAGE = "{title}\n\nBuilt by Kiln for {repo}#{number}."
REVISION_COMMIT_MESSAGE = "Address review feedback\n\nRevised by Kiln for {repo}#{number}."

CHECK_RUN_NAME = "Kiln sandbox tests"
NO_TESTS = "no tests ran"

THREAD_REPLY = "{marker}\n{reply}"
THREAD_REPLY_MARKER = "<!-- kiln:reply {comment_id} -->"
REVISION_SUMMARY = (
    "{marker}\nRevised in {commit}: {summary}\n\nTests: {tests} · iterations: {iterations} · "
    "cost: ${cost:.4f}"
)
REVISION_SUMMARY_MARKER = "<!-- kiln:revision {commit} -->"
REVISION_FAILED = (
    "😕 The revision did not pass its tests ({reason}); nothing was pushed. "
    "Comment `/kiln retry` or review again."
)
