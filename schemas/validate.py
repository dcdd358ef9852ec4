"""Lazy validation that reports every failure per row, keyed by article id, in words (schemas/reasons.py)."""
from __future__ import annotations

from collections import defaultdict

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from .reasons import schema_reason


def failures_by_id(schema: pa.DataFrameSchema, df: pd.DataFrame, id_column: str) -> dict[str, list[str]]:
    """Validate lazily; return {id: [reason, ...]} for every row that broke any check, each reason a
    sentence with its code ("... [exactly_one_of_html_or_text]")."""
    if df.empty:
        return {}
    try:
        schema.validate(df, lazy=True)
        return {}
    except SchemaErrors as errors:
        cases = errors.failure_cases
    reasons: dict[str, list[str]] = defaultdict(list)
    for case in cases.itertuples(index=False):
        if pd.isna(case.index):  # a check about the whole column (e.g. wrong type): every row fails
            rows = df.index
        else:
            rows = [case.index]
        for row in rows:
            whole_row = case.schema_context == "DataFrameSchema" and row in df.index  # a row check words the row
            reason = schema_reason(case, df.loc[row].to_dict() if whole_row else None)
            article_id = str(df.at[row, id_column]) if id_column in df.columns else str(row)
            # One sentence once, even when two checks find it (a date that cannot be coerced is also of the wrong type).
            if not any(known.rsplit(" [", 1)[0] == reason.rsplit(" [", 1)[0] for known in reasons[article_id]):
                reasons[article_id].append(reason)
    return dict(reasons)

