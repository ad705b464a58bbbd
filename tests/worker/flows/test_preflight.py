"""A repository's config naming a sandbox image the operator does not allow stops the build."""

from __future__ import annotations

from kiln.jobs import BuildJob
from kiln.metrics import SharedMetrics
from kiln.states import JobKind
from sandbox import SandboxConfig
from sandbox.allowlist import ImageAllowlist
from tests.worker.conftest import MAINTAINER, OWNER, REPO
from tests.worker.flows.conftest import Flows
from worker.flows.issue_build import IssueBuild
from worker.flows.preflight import ImageRefused, read_config
from worker.flows.repo_config import CONFIG_PATH, RepoConfig
from worker.sandboxes import sandbox_opener

ALLOWLIST = ImageAllowlist.of(["kiln-sandbox-python:bookworm"], ["ghcr.io/acme/*"])


def _preflight(flows: Flows, config: str, images: ImageAllowlist | None) -> tuple[int, object]:
    number = flows.open_issue()
    job = BuildJob(flows.world.installation_id, OWNER, REPO, number, MAINTAINER)
    session = flows.session(job, "job-preflight", JobKind.BUILD)
    assert session.open("Add subtraction", 60)
    return number, read_config(session, {CONFIG_PATH: config.encode()}, images)


def test_an_image_outside_the_allowlist_is_refused_on_the_thread(flows: Flows) -> None:
    number, config = _preflight(flows, "image: evil.example/miner:1\n", ALLOWLIST)

    assert config is None
    (reply,) = flows.replies(number)
    assert "`evil.example/miner:1`" in reply and "`SANDBOX_IMAGE_ALLOW`" in reply
    progress = flows.progress(number)
    assert "Kiln build: failed" in progress and "SANDBOX_IMAGE_ALLOW" in progress


def test_an_allowed_image_or_none_passes(flows: Flows) -> None:
    for text in ("image: ghcr.io/acme/builder:2\n", "image: kiln-sandbox-python:bookworm\n",
                 "language: python\n"):
        number, config = _preflight(flows, text, ALLOWLIST)
        assert config is not None and flows.replies(number) == []


def test_a_name_that_is_no_image_name_is_shown_defanged(flows: Flows) -> None:
    number, config = _preflight(flows, "image: 'x` @everyone <b>'\n", ALLOWLIST)

    (reply,) = flows.replies(number)
    assert config is None and "`x@everyoneb`" in reply and "<b>" not in reply


def test_the_sandbox_opener_refuses_an_image_the_settings_do_not_allow(flows: Flows) -> None:
    # A second line of defence: whatever a flow's preflight did, the opener refuses.
    opener = sandbox_opener(flows.settings, None, "job-opener",  # type: ignore[arg-type]
                            SharedMetrics(flows.redis))
    assert SandboxConfig.from_settings(flows.settings).image_allow == ()
    try:
        opener(RepoConfig(image="evil.example/miner:1"))
    except ImageRefused as refused:
        assert "SANDBOX_IMAGE_ALLOW" in str(refused) and refused.image == "evil.example/miner:1"
    else:
        raise AssertionError("the opener accepted an image the settings do not allow")


def test_a_build_naming_a_refused_image_stops_before_the_model_is_asked(flows: Flows) -> None:
    flows.emulator.push(OWNER, REPO, "main", {CONFIG_PATH: "image: evil.example/miner:1\n"},
                        "config")
    number = flows.open_issue()
    job = BuildJob(flows.world.installation_id, OWNER, REPO, number, MAINTAINER)
    model, llm = flows.serve_model([], flows.settings)
    opened: list[object] = []

    IssueBuild(flows.session(job, "job-opener", JobKind.BUILD), flows.gh, flows.settings,
               lambda: llm, opened.append).run()  # type: ignore[arg-type]

    assert model.requests == [] and opened == []
    comments = flows.emulator.issue(OWNER, REPO, number).comments
    assert any("evil.example" in comment.body for comment in comments)
