"""Kiln's settings: one class, read once from the environment at start-up and passed down."""

from __future__ import annotations

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


class SettingsError(SystemExit):
    """Start-up failure that names the setting at fault (exits the process with its message)."""


class ModelPrice(BaseModel):
    """One allowed model's prices in US dollars per million tokens (cached input: as input)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)


class Settings(BaseSettings):
    """Every knob Kiln has. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    # --- GitHub App -------------------------------------------------------
    github_app_id: int = Field(gt=0)
    github_private_key: SecretStr | None = None
    github_private_key_path: Path | None = None
    github_webhook_secret: SecretStr = Field(min_length=1)
    github_api_url: str = "https://api.github.com"
    github_app_slug: str = "kiln"
    trigger_label: str = "build me"
    github_timeout_seconds: float = Field(default=30.0, gt=0)
    github_max_retry_wait_seconds: int = Field(default=120, ge=0)
    progress_edit_interval_seconds: float = Field(default=2.0, ge=0)

    # --- Redis / RQ -------------------------------------------------------
    redis_url: str = "redis://localhost:6379/0"
    queue_name: str = "kiln"
    delivery_ttl_seconds: int = Field(default=7 * 24 * 3600, gt=0)
    job_timeout_seconds: int = Field(default=3600, gt=0)
    job_failure_ttl_seconds: int = Field(default=7 * 24 * 3600, gt=0)

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
    def _one_private_key(self) -> Settings:
        if self.github_private_key is None and self.github_private_key_path is None:
            raise ValueError("set GITHUB_PRIVATE_KEY (PEM text) or GITHUB_PRIVATE_KEY_PATH")
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

    @cached_property
    def private_key_pem(self) -> str:
        """The App's private key as PEM text, from whichever setting holds it."""
        if self.github_private_key is not None:
            return self.github_private_key.get_secret_value()
        assert self.github_private_key_path is not None
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


def load_settings(**overrides: object) -> Settings:
    """Read settings once at start-up; exit with a message naming each bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [f"  {_env_name(err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise SettingsError("Kiln cannot start; fix these settings:\n" + "\n".join(lines)) from None


def _env_name(loc: tuple[int | str, ...]) -> str:
    return "/".join(str(part).upper() for part in loc) or "settings"
