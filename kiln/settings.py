"""Kiln's settings: one class, read once from the environment at start-up and passed down."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

# Where Kiln reads settings from, beside the environment (the setup page writes the App there).
ENV_FILE = Path(".env")
NO_APP = ("no GitHub App is configured: set GITHUB_APP_ID, GITHUB_PRIVATE_KEY (or "
          "GITHUB_PRIVATE_KEY_PATH) and GITHUB_WEBHOOK_SECRET, or create the App from the web "
          "process's /setup page")
APP_SETTINGS = ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY (PEM text) or GITHUB_PRIVATE_KEY_PATH",
                "GITHUB_WEBHOOK_SECRET")
CANNOT_START = "Kiln cannot start; fix these settings:\n"


class SettingsError(SystemExit):
    """Start-up failure that names the setting at fault (exits the process with its message)."""


@dataclass(frozen=True)
class AppCredentials:
    """The GitHub App Kiln acts as: its id, private key and webhook secret."""

    app_id: int
    private_key_pem: str = field(repr=False)
    webhook_secret: str = field(repr=False)


class ModelPrice(BaseModel):
    """One allowed model's prices in US dollars per million tokens (cached input: as input)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)


class Settings(BaseSettings):
    """Every knob Kiln has. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore", frozen=True)

    # --- GitHub App (all unset: only the web process starts, serving /setup) ---
    github_app_id: int | None = Field(default=None, gt=0)
    github_private_key: SecretStr | None = None
    github_private_key_path: Path | None = None
    github_webhook_secret: SecretStr | None = Field(default=None, min_length=1)
    github_api_url: str = "https://api.github.com"
    github_web_url: str = "https://github.com"
    github_app_slug: str = "kiln"
    trigger_label: str = "build me"
    github_timeout_seconds: float = Field(default=30.0, gt=0)
    github_max_retry_wait_seconds: int = Field(default=120, ge=0)
    progress_edit_interval_seconds: float = Field(default=2.0, ge=0)
    outbox_horizon_seconds: int = Field(default=24 * 3600, gt=0)

    # --- Redis / RQ -------------------------------------------------------
    redis_url: str = "redis://localhost:6379/0"
    queue_name: str = "kiln"
    delivery_ttl_seconds: int = Field(default=7 * 24 * 3600, gt=0)
    job_timeout_seconds: int = Field(default=3600, gt=0)
    # A build with no model answer, command output or GitHub answer for this long is stopped
    # and reported (`worker.watchdog`): longer than a quiet command may run.
    stall_seconds: float = Field(default=600.0, gt=0)
    job_failure_ttl_seconds: int = Field(default=7 * 24 * 3600, gt=0)
    # Missed webhook deliveries: how often GitHub's delivery log is checked, and how far back
    # (GitHub keeps three days of it).
    redelivery_interval_seconds: int = Field(default=60, gt=0)
    redelivery_lookback_seconds: int = Field(default=6 * 3600, gt=0, le=3 * 24 * 3600)
    # CI follow-up: how often the checks on Kiln's head are looked at when no webhook came,
    # and how long after a push Kiln waits for them before it stops looking.
    ci_poll_seconds: int = Field(default=120, gt=0)
    ci_wait_seconds: int = Field(default=3 * 3600, gt=0)

    # --- Model ------------------------------------------------------------
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    kiln_model: str = "gpt-4.1-mini"
    model_timeout_seconds: float = Field(default=120.0, gt=0)
    model_max_retries: int = Field(default=3, ge=0)
    price_prompt_per_mtok: float = Field(default=0.40, ge=0)
    price_cached_prompt_per_mtok: float = Field(default=0.10, ge=0)
    price_completion_per_mtok: float = Field(default=1.60, ge=0)
    model_max_answer_tokens: int = Field(default=16_384, gt=0)
    kiln_models: dict[str, ModelPrice] = Field(default_factory=dict)

    # --- Budgets (per run; .github/kiln.yml may lower them, or raise them to the ceilings)
    budget_tokens: int = Field(default=400_000, gt=0)
    budget_model_calls: int = Field(default=60, gt=0)
    budget_test_runs: int = Field(default=15, gt=0)
    budget_wall_seconds: int = Field(default=1800, gt=0)
    plan_attempts: int = Field(default=3, gt=0)
    # The most .github/kiln.yml may ask for; unset, a repository may only lower the budget.
    budget_ceiling_tokens: int | None = Field(default=None, gt=0)
    budget_ceiling_model_calls: int | None = Field(default=None, gt=0)
    budget_ceiling_test_runs: int | None = Field(default=None, gt=0)
    budget_ceiling_wall_seconds: int | None = Field(default=None, gt=0)
    # The most automatic continuations .github/kiln.yml may ask for (each run a full budget).
    continuations_ceiling: int = Field(default=3, ge=0)

    # --- Sandbox ------------------------------------------------------------
    sandbox_image_python: str = "kiln-sandbox-python:bookworm"
    sandbox_image_node: str = "kiln-sandbox-node:bookworm"
    sandbox_memory: str = "1g"
    sandbox_cpus: float = Field(default=1.0, gt=0)
    sandbox_pids: int = Field(default=256, gt=0)
    sandbox_tmpfs_size: str = "256m"
    sandbox_exec_timeout_seconds: int = Field(default=300, gt=0)
    sandbox_output_cap_bytes: int = Field(default=64_000, gt=0)
    sandbox_install_network: bool = False
    sandbox_ca_bundle: Path | None = None
    sandbox_workspace_size: str = "512m"
    sandbox_install_timeout_seconds: int = Field(default=900, gt=0)
    sandbox_image_allow: str = ""  # comma-separated names or globs a kiln.yml may name
    sandbox_pull_images: bool = False
    # The install step's egress: comma-separated host names or *.domain patterns the proxy
    # admits, and credential files that exist only while an install runs.
    sandbox_install_allow: str = ""
    sandbox_install_netrc: Path | None = None
    sandbox_install_npmrc: Path | None = None
    sandbox_install_failure_ttl_seconds: int = Field(default=3600, ge=0)
    # Disk: each container's log, an installer's writable layer (where the storage driver
    # can cap it), and the dependency images kept, least recently used pruned first.
    sandbox_log_size: str = "10m"
    sandbox_layer_size: str = "4g"
    sandbox_deps_max_images: int = Field(default=20, gt=0)
    sandbox_deps_max_size: str = "20g"

    # --- Dashboard --------------------------------------------------------
    public_url: str | None = None
    dashboard_username: str | None = None
    dashboard_password: SecretStr | None = None
    history_retention_days: int = Field(default=30, gt=0)

    @field_validator("github_private_key")
    @classmethod
    def _pem_text(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _check_pem(value.get_secret_value(), "GITHUB_PRIVATE_KEY")
        return value

    @model_validator(mode="after")
    def _whole_app_or_none(self) -> Settings:
        missing = self._missing_app_settings()
        if 0 < len(missing) < len(APP_SETTINGS):
            raise ValueError("set " + " and ".join(missing))
        return self

    def _missing_app_settings(self) -> list[str]:
        have = (self.github_app_id is not None,
                self.github_private_key is not None or self.github_private_key_path is not None,
                self.github_webhook_secret is not None)
        return [name for name, present in zip(APP_SETTINGS, have, strict=True) if not present]

    @model_validator(mode="after")
    def _readable_key_file(self) -> Settings:
        if self.github_private_key is None and self.github_private_key_path is not None:
            path = self.github_private_key_path
            if not path.is_file():
                raise ValueError(f"GITHUB_PRIVATE_KEY_PATH: no file at {path}")
            _check_pem(path.read_text(), "GITHUB_PRIVATE_KEY_PATH")
        return self

    @model_validator(mode="after")
    def _ceilings_above_budgets(self) -> Settings:
        for name in ("tokens", "model_calls", "test_runs", "wall_seconds"):
            ceiling = getattr(self, f"budget_ceiling_{name}")
            budget = getattr(self, f"budget_{name}")
            if ceiling is not None and ceiling < budget:
                raise ValueError(f"BUDGET_CEILING_{name.upper()} ({ceiling}) is below "
                                 f"BUDGET_{name.upper()} ({budget})")
        return self

    @property
    def app_configured(self) -> bool:
        """Whether the App's settings are there (the validators allow all of them or none)."""
        return self.github_app_id is not None

    @cached_property
    def app(self) -> AppCredentials:
        """The App's id, key and webhook secret; SettingsError when none is configured."""
        if self.github_app_id is None or self.github_webhook_secret is None:
            raise SettingsError(NO_APP)
        return AppCredentials(self.github_app_id, self.private_key_pem,
                              self.github_webhook_secret.get_secret_value())

    @cached_property
    def private_key_pem(self) -> str:
        """The App's private key as PEM text, from whichever setting holds it."""
        if self.github_private_key is not None:
            return self.github_private_key.get_secret_value()
        if self.github_private_key_path is None:
            raise SettingsError(NO_APP)
        return self.github_private_key_path.read_text()

    @property
    def bot_login(self) -> str:
        """The login GitHub gives the App's own actions, e.g. ``kiln[bot]``."""
        return f"{self.github_app_slug}[bot]"

    @property
    def mention(self) -> str:
        """The handle users write to steer Kiln on a pull request, e.g. ``@kiln``."""
        return f"@{self.github_app_slug}"

    @property
    def command_queue_name(self) -> str:
        """Where comment commands wait, apart from builds, e.g. ``kiln-commands``.

        A worker on this queue alone answers `/kiln cancel` and `/kiln status` within seconds
        however many builds occupy the other workers.
        """
        return f"{self.queue_name}-commands"


def _check_pem(text: str, name: str) -> None:
    if "\\n" in text and "\n" not in text.strip():
        raise ValueError(f"{name} holds literal \\n sequences; put real newlines in the PEM text")
    if "-----BEGIN" not in text:
        raise ValueError(f"{name} is not a PEM private key (no -----BEGIN line)")
    try:
        load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} is not a readable PEM private key: {exc}") from None


def load_settings(*, app_required: bool = True, **overrides: object) -> Settings:
    """Read settings once at start-up; exit with a message naming each bad setting.

    Only the web process passes ``app_required=False``: without an App it serves /setup.
    """
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [f"  {_env_name(err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise SettingsError(CANNOT_START + "\n".join(lines)) from None
    if app_required and not settings.app_configured:
        raise SettingsError(f"{CANNOT_START}  {NO_APP}")
    return settings


def _env_name(loc: tuple[int | str, ...]) -> str:
    return "/".join(str(part).upper() for part in loc) or "settings"
