"""Settings: the only place Mend reads its environment (prefix ``MEND_``)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DATA_DIR = Path("data")
ASSESSMENTS_DIR = Path(__file__).resolve().parents[1] / "assessments"


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as ``MEND_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="MEND_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = DATA_DIR
    database_url: str = ""
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    access_token_minutes: int = Field(default=8 * 60, ge=1)
    web_session_minutes: int = Field(default=8 * 60, ge=1)
    link_days: int = Field(default=14, ge=1, le=365)
    link_idle_minutes: int = Field(default=20, ge=1, le=240)  # the form cookie dies after this idle time
    link_passcode_attempts: int = Field(default=5, ge=1, le=20)  # wrong passcodes before a link locks
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=15 * 60, ge=1)
    hash_concurrency: int = Field(default=2, ge=1)
    # The practice's own reliability replaces the definition's only from this many distinct clients
    # and this alpha (each snapshot is judged; below either, the definition's values are used).
    reliability_min_clients: int = Field(default=30, ge=3)
    reliability_min_alpha: float = Field(default=0.6, gt=0, lt=1)
    assessments_dir: Path = ASSESSMENTS_DIR
    # Mail. Without a host, messages wait in the counselor's outbox in the web app instead.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_tls: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = Field(default=20, gt=0)
    mail_sender: str = ""  # the From address, e.g. "appointments@harbourlane.example"
    # A failed send is tried again after this many seconds, doubling each time up to an hour.
    mail_retry_seconds: float = Field(default=30, gt=0)
    mail_max_attempts: int = Field(default=12, ge=1)
    # The task queue: empty -> embedded (SQLite file in data_dir); redis://host:port/db for several machines.
    queue_url: str = ""
    queue_name: str = "mend"
    # How often the worker looks for sends and reminders that have come due.
    loop_tick_seconds: int = Field(default=60, ge=1, le=60)  # the periodic sweep runs each minute anyway

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'mend.db'}"
        if not self.secret_key:
            if self.environment == "production":
                raise ValueError(
                    "MEND_SECRET_KEY must be set in production; refusing to start without it"
                )
            self.secret_key = _kept_secret(self.data_dir)
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


def _kept_secret(data_dir: Path) -> str:
    """Generate a secret once and keep it, so restarts don't log everyone out."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
