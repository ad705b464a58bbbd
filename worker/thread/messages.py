"""The texts Kiln writes on GitHub besides the progress comment: replies, bodies, summaries."""

from kiln.states import Command

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

QUEUED_BEHIND = (
    "{marker}\n@{login}, this was asked for while Kiln was already building this issue; that "
    "build has ended ({state}), so it is not built a second time. Comment `/kiln retry` to "
    "build it again."
)

INVALID_CONFIG = (
    "{marker}\n😕 Kiln did not start: `.github/kiln.yml` has a problem.\n\n```\n{error}\n```\n\n"
    "Fix the file on the default branch, then comment `/kiln retry`."
)
INVALID_CONFIG_MARKER = "<!-- kiln:invalid-config -->"

COMMANDS = {
    Command.RETRY: "build the issue again (on Kiln's pull request: its issue, as it stands now)",
    Command.CANCEL: "stop the running build and its sandbox",
    Command.STATUS: "say what Kiln is doing here",
    Command.CONTINUE: ("go on with a build that stopped on its budget, from its branch, with a "
                       "fresh budget"),
    Command.HELP: "this answer: the commands, and what Kiln will do in this repository",
}
RETRY_QUEUED = "@{login}, queued a new build."
CANCELLED = "Cancelled by @{login}: the job and its sandbox were stopped."
NOTHING_TO_CANCEL = "@{login}, nothing is running here, so there is nothing to cancel."
STATUS_RUNNING = "@{login}, Kiln is working on this: {state} (job `{job_id}`)."
STATUS_IDLE = "@{login}, nothing is running here. The progress comment above has the last result."
CANCELLED_QUEUED = "Cancelled by @{login}: the queued build will not run."
STATUS_QUEUED = "@{login}, a build is queued here (job `{job_id}`) and waits for a free worker."
STATUS_ABANDONED = (
    "@{login}, the worker running this build (job `{job_id}`) stopped responding; Kiln "
    "tries a build lost this way once more, and reports here either way.")

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
PULL_DESCRIPTION = "{summary}\n\n**Plan**\n{plan}"
PULL_TESTING = "{tests}\n\nIterations: {iterations} · tokens: {tokens:,} · cost: ${cost:.4f}"
PULL_CLOSING = "Closes #{number}"
PULL_FOOTER = ("<sub>Built by Kiln for @{trigger}. Review it; a review requesting changes makes "
               "Kiln revise.</sub>")
PULL_BODY = "{description}\n\n## Tests\n{testing}\n\n{closing}\n\n{footer}\n"
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
