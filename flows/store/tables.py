"""The store's tables (SQLAlchemy Core): created on first use of a store, on SQLite and PostgreSQL."""
from __future__ import annotations

import sqlalchemy as sa

meta = sa.MetaData()
articles = sa.Table(
    "articles", meta,
    sa.Column("id", sa.String(300), primary_key=True),
    sa.Column("source", sa.String(300)), sa.Column("url", sa.Text), sa.Column("title", sa.Text),
    sa.Column("text", sa.Text, nullable=False), sa.Column("language", sa.String(8)),
    sa.Column("published", sa.String(32)), sa.Column("author", sa.Text),
    sa.Column("tags", sa.Text), sa.Column("sources", sa.Text), sa.Column("warnings", sa.Text),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("input_hash", sa.String(64), nullable=False),
    sa.Column("rules_version", sa.String(32), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("fetched_at", sa.String(40)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
removals = sa.Table(
    "removals", meta,
    sa.Column("article_id", sa.String(300), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("category", sa.String(32), nullable=False), sa.Column("rule_id", sa.String(120), nullable=False),
    sa.Column("scope", sa.String(16), nullable=False), sa.Column("position", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)
quarantine = sa.Table(
    "quarantine", meta,
    sa.Column("article_id", sa.String(300), primary_key=True),
    sa.Column("input_hash", sa.String(64), primary_key=True),
    sa.Column("rules_version", sa.String(32), primary_key=True),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False), sa.Column("details", sa.Text, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
ledger = sa.Table(
    "ledger", meta,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("article_id", sa.String(300), primary_key=True),
    sa.Column("input_hash", sa.String(64), primary_key=True),
    sa.Column("outcome", sa.String(16), nullable=False),  # published | quarantined | unchanged
    sa.Column("detail", sa.Text),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)
runs = sa.Table(
    "runs", meta,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("parameters", sa.Text), sa.Column("summary", sa.Text),
)
template_seen = sa.Table(  # template memory: which article of a source had which paragraph
    "template_seen", meta,
    sa.Column("source", sa.String(300), primary_key=True),
    sa.Column("fingerprint", sa.String(16), primary_key=True),
    sa.Column("article_id", sa.String(300), primary_key=True),
)
