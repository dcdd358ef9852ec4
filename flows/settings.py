"""The flows' settings, from CLEANERS_* environment variables: read once per run (by the flow, the
CLI or `process_batch` when called on its own) and passed down, never at import time.

The library's own settings (CLEANERS_MAX_INPUT_BYTES, CLEANERS_TIME_BUDGET_SECONDS, ...) are the
library's: `cleaners.settings` reads them.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "CLEANERS_"
DEFAULT_STORE_URL = "sqlite:///data/articles.db"


class FlowSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, frozen=True)

    store_url: SecretStr = Field(
        SecretStr(DEFAULT_STORE_URL),
        description="SQLAlchemy URL of the store, for every run that does not give one (`store_url`, `--store`).")
    report_dir: Path | None = Field(
        None, description="Folder of the review reports (default: `reports/` next to a SQLite store, else `data/reports`).")
    template_min_articles: int = Field(
        3, ge=1, description="In how many published articles of one source a paragraph must appear to be taken "
                             "out as that source's boilerplate (template memory).")
    ui_port: int = Field(4200, gt=0, lt=65536, description="Port of the local Prefect server and UI of `python -m flows ui`.")
    report_port: int | None = Field(
        None, gt=0, lt=65536, description="Port on which `python -m flows ui` serves the review reports over HTTP "
                                          "(127.0.0.1 only; default: `CLEANERS_UI_PORT` + 1); the runs' report links use it.")
    quarantine_held_back: bool = Field(
        False, description="Quarantine an article on which a rule was held back (it would have taken the bulk "
                           "of the article), instead of publishing it with the rule's text kept.")
    stall_seconds: float | None = Field(
        None, description="Seconds the cleaning worker may take over one record before it is killed and the record "
                          "retried alone (default: max(60, 3 x the time budget); 0 switches the worker's limits off).")

    @property
    def report_port_used(self) -> int:
        """The review reports' port: the setting, else the one after the UI's."""
        return self.report_port or (self.ui_port + 1 if self.ui_port < 65535 else self.ui_port - 1)

    @classmethod
    def read(cls) -> FlowSettings:
        """The settings from the environment now; a value that does not fit names its variable."""
        try:
            return cls()
        except ValidationError as exc:
            problems = "; ".join(f"{env_name(str(error['loc'][0]))}={error['input']!r}: {error['msg']}"
                                 for error in exc.errors())
            raise ValueError(problems) from None


def env_name(field: str) -> str:
    """The environment variable of a setting: 'stall_seconds' -> 'CLEANERS_STALL_SECONDS'."""
    return PREFIX + field.upper()


def env_vars() -> list[tuple[str, str, str]]:
    """(variable, default, description) of every environment variable the flows read."""
    out = []
    for name, field in FlowSettings.model_fields.items():
        default = field.default.get_secret_value() if isinstance(field.default, SecretStr) else field.default
        out.append((env_name(name), "" if default is None else str(default), field.description))
    return out
