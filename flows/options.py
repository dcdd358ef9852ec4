"""What a run asks for, shared by the flow and the batch pipeline.

Kept apart from `pipeline` so that the flow's own process (which, on Dask, only schedules and
publishes) does not import pandas, pandera and the schemas: about 75 MB of resident memory.
"""
from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from cleaners import guards, settings, load_rules

# How long the cleaning worker may take over one record of a batch before it is killed and the
# record retried alone (flows/watchdog.py). Default: max(60 s, 3 x the per-article time budget);
# 0 switches the worker's limits off.
STALL_ENV = "CLEANERS_STALL_SECONDS"
# A record retried alone gets its time budget plus this much: the budget is only checked between
# stages, so a healthy record may overrun it by one uninterruptible call.
RECORD_MARGIN = 5.0


@dataclass
class Options:
    store_url: str | None = None
    rules_dir: str | None = None
    force: bool = False
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    article_ids: list[str] | None = None

    def __post_init__(self):
        # Ids are compared in NFC, as the inbox reads them (flows/inbox.py derive_id).
        if self.article_ids:
            self.article_ids = [unicodedata.normalize("NFC", str(article_id)) for article_id in self.article_ids]

    @property
    def filtering(self) -> bool:
        return bool(self.source or self.since or self.until or self.article_ids)

    @property
    def rules(self):
        return load_rules(self.rules_dir)


class WorkerLimits(NamedTuple):
    batch: float | None  # seconds for a record cleaned with its batch; None: no limit
    record: float | None  # seconds for a record retried alone (at most the batch limit)


def worker_limits() -> WorkerLimits:
    """The limits of the cleaning worker, from the environment (read at each batch, like the library's)."""
    budget = settings.current().time_budget
    raw = os.environ.get(STALL_ENV, "").strip()
    try:
        stall = float(raw) if raw else max(60.0, 3 * budget)
    except ValueError:
        raise ValueError(f"{STALL_ENV}={raw!r}: not a number") from None
    if stall <= 0:
        return WorkerLimits(None, None)
    return WorkerLimits(stall, min(stall, budget + RECORD_MARGIN) if budget > 0 else stall)
