"""What a run asks for, shared by the flow and the batch pipeline.

Kept apart from `pipeline` so that the flow's own process (which, on Dask, only schedules and
publishes) does not import pandas, pandera and the schemas: about 75 MB of resident memory.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cleaners import load_rules


@dataclass
class Options:
    store_url: str | None = None
    rules_dir: str | None = None
    force: bool = False
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    article_ids: list[str] | None = None

    @property
    def filtering(self) -> bool:
        return bool(self.source or self.since or self.until or self.article_ids)

    @property
    def rules(self):
        return load_rules(self.rules_dir)
