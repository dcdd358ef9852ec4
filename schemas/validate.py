"""Lazy validation that reports every failure per row, keyed by article id."""
from __future__ import annotations

from collections import defaultdict

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors


def failures_by_id(schema: pa.DataFrameSchema, df: pd.DataFrame, id_column: str) -> dict[str, list[str]]:
    """Validate lazily; return {id: [reason, ...]} for every row that broke any check."""
    if df.empty:
        return {}
    try:
        schema.validate(df, lazy=True)
        return {}
    except SchemaErrors as errors:
        cases = errors.failure_cases
    reasons: dict[str, list[str]] = defaultdict(list)
    for case in cases.itertuples(index=False):
        reason = _reason(case)
        if pd.isna(case.index):  # a check about the whole column (e.g. wrong type): every row fails
            rows = df.index
        else:
            rows = [case.index]
        for row in rows:
            article_id = str(df.at[row, id_column]) if id_column in df.columns else str(row)
            if reason not in reasons[article_id]:
                reasons[article_id].append(reason)
    return dict(reasons)


def _reason(case) -> str:
    """'column: check (got value)' for a column check, just the check's name for a row check."""
    check = str(case.check)
    if len(check) > 60:
        check = check[:57] + "..."
    if case.schema_context == "DataFrameSchema" and case.check not in ("column_in_dataframe", "column_in_schema"):
        return check
    value = repr(case.failure_case)
    value = value if len(value) <= 60 else value[:57] + "..."
    return f"{case.column}: {check} (got {value})"
