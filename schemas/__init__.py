"""pandera models for the pipeline: raw articles in, clean articles out, removal log, quarantine."""
from .models import (
    CleanArticle,
    QuarantineEntry,
    RawArticle,
    RemovalLog,
    clean_article_schema,
    raw_article_schema,
    removal_schema,
)
from .validate import failures_by_id

__all__ = ["CleanArticle", "QuarantineEntry", "RawArticle", "RemovalLog", "clean_article_schema",
           "failures_by_id", "raw_article_schema", "removal_schema"]
