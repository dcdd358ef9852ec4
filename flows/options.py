"""What a run asks for, declared once: the flow's parameters (and so the Run form of the Prefect UI
and the deployments' parameters), the options of `python -m flows run`, and what the batch pipeline
is given.

Kept apart from `pipeline` so that the flow's own process (which, on Dask, only schedules and
publishes) does not import pandas, pandera and the schemas: about 75 MB of resident memory.
"""
from __future__ import annotations

import inspect
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from cleaners import RuleSet, load_rules

from .settings import DEFAULT_STORE_URL, env_name

DEFAULT_INBOX = str(Path(__file__).resolve().parent.parent / "fixtures" / "inbox")


class RunOptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    inbox: str = Field(DEFAULT_INBOX, description="A folder of .html/.txt/.json/.jsonl files, a .jsonl or .parquet "
                                                  "file, or `table:<name>` (a table of the store).")
    # A secret: Prefect records and shows it as asterisks wherever it keeps a flow's parameters.
    store_url: SecretStr | None = Field(None, description=f"SQLAlchemy URL of the store (default: {env_name('store_url')}, "
                                                          f"else {DEFAULT_STORE_URL}).")
    source: str | None = Field(None, description="Only inputs of this site (and its subdomains).")
    since: datetime | None = Field(None, description="Only inputs fetched at or after this moment (`fetched_at`).")
    until: datetime | None = Field(None, description="Only inputs fetched before this moment (`fetched_at`).")
    article_ids: list[str] | None = Field(None, description="Only the inputs with these ids.")
    force: bool = Field(False, description="Re-clean inputs even when neither they nor the rules changed.")
    rules_dir: str | None = Field(None, description="A folder of extra rule files on top of the built-in packs.")
    batch_size: int = Field(200, ge=1, description="Inputs per batch: one clean task and one publish task each.")
    task_runner: str = Field("threads", description="threads, dask (a local cluster of worker processes) or the "
                                                    "address of a Dask scheduler (tcp://host:8786).")
    export: str | None = Field(None, description="Also write what this run published to a .jsonl file or a "
                                                 "folder of Markdown files.")

    @field_validator("article_ids")
    @classmethod
    def _nfc(cls, ids: list[str] | None) -> list[str] | None:
        # Compared in NFC, as the inbox reads ids (flows/inbox/records.py derive_id).
        return [unicodedata.normalize("NFC", article_id) for article_id in ids] if ids else ids

    @property
    def filtering(self) -> bool:
        return bool(self.source or self.since or self.until or self.article_ids)

    def load_rules(self) -> RuleSet:
        return load_rules(self.rules_dir)


def run_parameters(fn):
    """Give a flow function `fn(**parameters)` the fields of RunOptions as its parameters: keyword
    parameters with the fields' types, constraints and defaults, and their descriptions in the
    docstring, where Prefect finds them for the UI's Run form. The flow builds RunOptions from them."""
    fields = RunOptions.model_fields
    fn.__signature__ = inspect.Signature([
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=field.default,
                          annotation=Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation)
        for name, field in fields.items()], return_annotation=inspect.signature(fn).return_annotation)
    fn.__doc__ = inspect.cleandoc(fn.__doc__ or "") + "\n\nArgs:\n" + "".join(
        f"    {name}: {field.description}\n" for name, field in fields.items())
    return fn
