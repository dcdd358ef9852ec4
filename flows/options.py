"""What a run asks for, declared once: the flow's parameters (and so the Run form of the Prefect UI
and the deployments' parameters), the options of `python -m flows run`, and what the batch pipeline
is given.

Kept apart from `pipeline` so that the flow's own process (which, on Dask, only schedules and
publishes) does not import pandas, pandera and the schemas: about 75 MB of resident memory.
"""
from __future__ import annotations

import inspect
import types
import typing
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, TypeAdapter, WithJsonSchema, field_validator

from cleaners import RuleSet, load_rules

from .settings import DEFAULT_STORE_URL, env_name

DEFAULT_INBOX = str(Path(__file__).resolve().parent.parent / "fixtures" / "inbox")


class RunOptions(BaseModel):
    """A run's options. An option that is not set is None here; the Run form shows it as an empty field
    ("" or an empty list), which means the same (see `form_parameter` and `of_parameters`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    inbox: str = Field(DEFAULT_INBOX, description="What to clean: a folder of .html/.txt/.json/.jsonl files, a .jsonl "
                                                  "or .parquet file, or `table:<name>` (a table of the store).")
    # A secret: Prefect records and shows it as asterisks wherever it keeps a flow's parameters.
    store_url: SecretStr | None = Field(None, description=f"SQLAlchemy URL of the store. Empty: {env_name('store_url')}, "
                                                          f"else {DEFAULT_STORE_URL}.")
    source: str | None = Field(None, description="Only inputs of this site and its subdomains, e.g. `spiegel.de`. "
                                                 "Empty: every site.")
    since: datetime | None = Field(None, description="Only inputs fetched at or after this moment (`fetched_at`), as "
                                                     "`2026-12-01` or `2026-12-01T08:00` (UTC unless a zone is given, "
                                                     "as `+01:00`). Empty: no lower bound.")
    until: datetime | None = Field(None, description="Only inputs fetched before this moment (`fetched_at`), written "
                                                     "as `since`. Empty: no upper bound.")
    article_ids: list[str] | None = Field(None, description="Only the inputs with these ids, one per item. Empty: every "
                                                            "input. An id that matches nothing is named in the run's log.")
    force: bool = Field(False, description="Re-clean inputs even when neither they nor the rules changed (each "
                                           "re-cleaned article gets a new version).")
    rules_dir: str | None = Field(None, description="A folder of extra rule files (.toml) on top of the built-in packs, "
                                                    "e.g. after adding a rule. Empty: the built-in packs only.")
    batch_size: int = Field(200, ge=1, description="Inputs per batch: one clean task and one publish task each.")
    task_runner: str = Field("processes", description="processes (one worker process per core; processes:N for N), "
                                                      "threads, dask (a local cluster of worker processes) or the "
                                                      "address of a Dask scheduler (tcp://host:8786).")
    export: str | None = Field(None, description="After the run, also write what the store holds for the run's "
                                                 "filters (each article's latest version) to a .jsonl file or a "
                                                 "folder of Markdown files. Empty: no export.")

    @classmethod
    def of_parameters(cls, parameters: dict) -> RunOptions:
        """The options of a flow run: the Run form's empty fields ("", an empty list, an empty secret)
        are options not set. (Only here: on the command line an empty value is an error, said as one.)"""
        return cls(**{name: value for name, value in parameters.items() if not _empty(value)})

    @field_validator("article_ids")
    @classmethod
    def _nfc(cls, ids: list[str] | None) -> list[str] | None:
        # Compared in NFC, as the inbox reads ids (flows/inbox/records.py derive_id).
        return [unicodedata.normalize("NFC", article_id) for article_id in ids] if ids else ids

    @property
    def filtering(self) -> bool:
        return bool(self.source or self.since or self.until or self.article_ids)

    def filters_shown(self) -> str:
        """The run's filters as messages show them ("source='x.de', article_ids: 2 id(s)"); "" for none."""
        shown = [f"source={self.source!r}"] if self.source else []
        shown += [f"{name}={value.isoformat()}" for name, value in (("since", self.since), ("until", self.until)) if value]
        if self.article_ids:
            shown.append(f"article_ids: {len(self.article_ids)} id(s)")
        return ", ".join(shown)

    def load_rules(self) -> RuleSet:
        return load_rules(self.rules_dir)


def run_parameters(fn):
    """Give a flow function `fn(**parameters)` the fields of RunOptions as its parameters: keyword
    parameters with the fields' types, constraints and defaults (optional ones as the Run form shows
    them, see `form_parameter`), and their descriptions in the docstring, where Prefect finds them for
    the UI's Run form. The flow builds RunOptions from them."""
    fields = RunOptions.model_fields
    parameters = []
    for name, field in fields.items():
        annotation, default = form_parameter(field)
        parameters.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                            annotation=Annotated[annotation, *field.metadata] if field.metadata else annotation))
    fn.__signature__ = inspect.Signature(parameters, return_annotation=inspect.signature(fn).return_annotation)
    fn.__doc__ = inspect.cleandoc(fn.__doc__ or "") + "\n\nArgs:\n" + "".join(
        f"    {name}: {field.description}\n" for name, field in fields.items())
    return fn


# What an optional option's empty field holds in the Run form, and the schema it is shown with. A
# moment is a text field, not Prefect's date-time picker: a date-time field with nothing in it is
# refused by the form's own check; the pattern lets the form refuse a typo before the run starts.
_EMPTY = {str: "", SecretStr: "", list: [], datetime: ""}
_MOMENT = {"type": "string", "pattern": r"^(\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?)?$"}


def _empty(value) -> bool:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return value is None or (isinstance(value, (str, list)) and not value)


def form_parameter(field) -> tuple[object, object]:
    """The flow parameter's annotation and default for one RunOptions field. An optional field
    (`X | None`) would be a union in the Run form, where an editor must pick a type before typing: its
    schema is X's alone (a text field, a list) and its default X's empty value, while None is still
    accepted (`python -m flows run` passes None for an option not given)."""
    args = typing.get_args(field.annotation)
    if typing.get_origin(field.annotation) not in (typing.Union, types.UnionType) or type(None) not in args:
        return field.annotation, field.default
    (inner,) = [arg for arg in args if arg is not type(None)]
    schema = _MOMENT if inner is datetime else TypeAdapter(inner).json_schema()
    # An empty field is None before it is checked as X: "" is no moment.
    not_set = BeforeValidator(lambda value: None if _empty(value) else value)
    return Annotated[field.annotation, not_set, WithJsonSchema(schema)], _EMPTY[typing.get_origin(inner) or inner]
