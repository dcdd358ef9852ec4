"""A run's filters (ids, source, since/until), in one place: what a run cleans from its inbox and what
an export takes from the store are chosen by the same rules.

pandas is imported only when a date filter is given: the flow's own process (and an export without
dates) stays without it (see flows/options.py).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone

from cleaners.source import same_site


def selected(record: Mapping, filters) -> bool:
    """Does the record (an inbox record, or a row of `articles`) pass the filters? `filters` has
    `article_ids`, `source`, `since` and `until` (RunOptions): an id among the ids, the source's site
    or a subdomain of it, fetched at or after `since` and before `until` (a record without a
    readable `fetched_at` passes no date filter)."""
    if filters.article_ids and record["id"] not in filters.article_ids:
        return False
    if filters.source and not same_site(record["source"] or "", filters.source):
        return False
    if filters.since or filters.until:
        fetched = moment(record["fetched_at"])
        if fetched is None:
            return False
        if filters.since and fetched < aware(filters.since):
            return False
        if filters.until and fetched >= aware(filters.until):
            return False
    return True


def moment(value) -> datetime | None:
    """A `fetched_at` as an aware datetime (naive ones are UTC), as the inbox gives it (a datetime, a
    pandas Timestamp, a string) or as the store keeps it (its string); None when it is not a date."""
    import pandas as pd

    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return None
    return None if pd.isna(stamp) else aware(stamp.to_pydatetime())


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
