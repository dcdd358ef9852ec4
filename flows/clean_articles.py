"""The Prefect flow: thin wrappers over the inbox reader, the batch pipeline and the store."""
from __future__ import annotations

import os
import uuid
from collections import Counter
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE as NO_CACHE
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote
from pydantic import SecretStr

from . import inbox
from .options import Options
from .store import Store, resolve_url, safe_url

DEFAULT_INBOX = str(Path(__file__).resolve().parent.parent / "fixtures" / "inbox")
MAX_IN_FLIGHT = 8  # batches being cleaned at once: keeps memory flat on huge inboxes


@task(retries=2, retry_delay_seconds=2)
def list_inbox(inbox_path: str, store_url: SecretStr) -> list[inbox.Locator]:
    return inbox.scan(inbox_path, store_url.get_secret_value())


# The batch tasks neither cache nor hash their inputs, and the cleaned batch is passed to publishing
# quoted: Prefect would otherwise hash and walk every article of every batch in the flow's process.
# (Not the locators sent to Dask: a quoted argument reaches a Dask worker as a bare tuple.)
@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)  # it reads the inbox and the store
def clean_batch(locators: list[inbox.Locator], store_url: SecretStr, options: dict) -> dict:
    from .pipeline import process_batch  # here, not at the top: see flows/options.py

    batch = process_batch(locators, Options(store_url=store_url.get_secret_value(), **options))
    for line in batch["stopped"]:  # a record that hung or killed its cleaning worker (flows/watchdog.py)
        get_run_logger().warning("cleaning worker stopped: %s", line)
    return batch


@task(retries=3, retry_delay_seconds=[1, 5, 15], cache_policy=NO_CACHE)
def publish_batch(store_url: SecretStr, run_id: str, batch: dict) -> dict:
    Store(store_url.get_secret_value()).publish(run_id, batch)
    return {key: batch[key] for key in ("unchanged", "filtered", "categories", "rules")} | {
        "published": len(batch["published"]),
        "quarantined": [(q["article_id"], q["reason"]) for q in batch["quarantined"]],
        "read": len(batch["ledger"]) + batch["filtered"],
    }


def make_task_runner(name: str):
    """'threads' (default), 'dask' (a local cluster of worker processes) or 'dask://host:port'/'tcp://...'."""
    if name in ("", "threads"):
        # Each thread cleans a batch at a time, and a batch in hand costs a few hundred MB at its peak
        # (records, parsed pages, validation frames); cleaning holds the GIL most of the time, so
        # more threads than cores add memory, not speed (4 on 2 cores: about +240 MB of peak RSS).
        return ThreadPoolTaskRunner(max_workers=min(4, os.cpu_count() or 1))
    import dask
    from prefect_dask import DaskTaskRunner

    if name == "dask":
        # Workers must report to this run's Prefect API, also when that is the temporary server a
        # run without a configured server starts (its address is only known to this process's
        # client): left to themselves, each worker would start a temporary server of its own,
        # which costs each of them about 15 s of CPU and hides their task runs from this run's UI.
        from prefect.client.orchestration import get_client

        env = {"PREFECT_API_URL": str(get_client(sync_client=True).api_url)}
        # Dask workers sample their task threads' stacks every 10 ms for the dashboard's profile
        # page; for CPU-bound cleaning that cost about a tenth of the workers' time. The workers of
        # the local cluster take their configuration from this process.
        dask.config.set({"distributed.worker.profile.enabled": False})
        return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True, "env": env})
    if name.startswith(("tcp://", "dask://")):
        return DaskTaskRunner(address=name.replace("dask://", "tcp://", 1))
    raise ValueError(f"unknown task runner {name!r}: use 'threads', 'dask' or a Dask scheduler address")


# The store URL may hold a password: it travels as a SecretStr, which Prefect stores and shows as
# "**********" wherever it records a flow's parameters (the subflow's too).
@flow(name="clean-batches")
def clean_batches(inbox_path: str, store_url: SecretStr, run_id: str, options: dict, batch_size: int) -> dict:
    """Clean and publish an inbox in batches: one clean task and one publish task per batch.
    The clean tasks run on the task runner (threads or Dask workers); the publish tasks run here,
    in the flow's process, one at a time, so the workers never wait for the store (SQLite takes one
    writer at a time) and keep up to MAX_IN_FLIGHT batches in hand."""
    locators = list_inbox(inbox_path, store_url)
    totals = {"read": 0, "published": 0, "unchanged": 0, "filtered": 0, "categories": Counter(), "rules": Counter(), "quarantined": []}
    cleaning = []

    def publish(future) -> None:
        counts = publish_batch(store_url, run_id, quote(future.result()))
        for key in ("read", "published", "unchanged", "filtered"):
            totals[key] += counts[key]
        totals["categories"].update(counts["categories"])
        totals["rules"].update(counts["rules"])
        totals["quarantined"].extend(counts["quarantined"])

    for start in range(0, len(locators), batch_size):
        cleaning.append(clean_batch.submit(locators[start:start + batch_size], store_url, options))
        if len(cleaning) >= MAX_IN_FLIGHT:
            publish(cleaning.pop(0))
    for future in cleaning:
        publish(future)
    totals["inputs"] = len(locators)
    return totals


@flow(name="clean-articles", log_prints=True)
def clean_articles(
    inbox: str = DEFAULT_INBOX,
    store_url: SecretStr | None = None,
    source: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    article_ids: list[str] | None = None,
    force: bool = False,
    rules_dir: str | None = None,
    batch_size: int = 200,
    task_runner: str = "threads",
    export: str | None = None,
) -> dict:
    """Clean the articles of an inbox, validate them, publish them or quarantine them with reasons.

    inbox: a folder of .html/.txt/.json/.jsonl files, a .jsonl or .parquet file, or `table:<name>`.
    store_url: SQLAlchemy URL (default $CLEANERS_STORE_URL, else sqlite:///data/articles.db).
    source / since / until / article_ids: only these inputs (since/until compare `fetched_at`).
    force: re-clean inputs even when neither they nor the rules changed.
    rules_dir: a folder of extra rule files on top of the built-in packs.
    task_runner: threads, dask (local cluster) or the address of a Dask scheduler (tcp://host:8786).
    export: also write what this run published to a .jsonl file or a folder of Markdown files.
    """
    logger = get_run_logger()
    store_url = resolve_url(store_url.get_secret_value() if store_url else None)
    run_id = str(flow_run.id or uuid.uuid4())
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    options = asdict(Options(rules_dir=rules_dir, force=force, source=source, since=since, until=until,
                             article_ids=article_ids))
    options.pop("store_url")  # sent apart, as a secret
    rules_version = Options(rules_dir=rules_dir).rules.version  # fails fast on a broken rule directory
    store = Store(store_url)
    store.start_run(run_id, {**options, "inbox": inbox, "store_url": safe_url(store_url), "batch_size": batch_size})
    runner = make_task_runner(task_runner)
    totals = clean_batches.with_options(task_runner=runner)(inbox, SecretStr(store_url), run_id, options, batch_size)
    summary = {
        "run_id": run_id, "inputs": totals["inputs"], "read": totals["read"], "published": totals["published"],
        "quarantined": len(totals["quarantined"]), "unchanged": totals["unchanged"], "filtered": totals["filtered"],
        "removals_by_category": dict(totals["categories"].most_common()), "top_rules": dict(totals["rules"].most_common(15)),
        "quarantine": totals["quarantined"], "rules_version": rules_version, "store": safe_url(store_url),
    }
    if export:
        summary["exported"] = store.export(export, run_id=run_id)
    store.finish_run(run_id, summary)
    _artifacts(summary, store_url, rules_dir)
    logger.info("published %s, quarantined %s, unchanged %s of %s inputs", summary["published"],
                summary["quarantined"], summary["unchanged"], summary["inputs"])
    return summary


def _artifacts(summary: dict, store_url: str, rules_dir: str | None) -> None:
    counts = [{"what": key, "count": summary[key]} for key in ("inputs", "published", "quarantined", "unchanged", "filtered")]
    counts += [{"what": f"removed: {category}", "count": n} for category, n in summary["removals_by_category"].items()]
    create_table_artifact(counts, key="clean-articles-summary", description="What this run read, published, quarantined and removed.")
    rules = [{"rule": rule, "removals": n} for rule, n in summary["top_rules"].items()] or [{"rule": "(none fired)", "removals": 0}]
    create_table_artifact(rules, key="clean-articles-top-rules", description="The rules that removed most.")
    quarantine = [{"article": article, "reason": reason} for article, reason in summary["quarantine"][:500]]
    create_table_artifact(quarantine or [{"article": "(none)", "reason": ""}], key="clean-articles-quarantine",
                          description="Inputs not published, with the first reason (all reasons are in the store).")
    lines = [f"# Run {summary['run_id']}", "", f"Store: `{summary['store']}` · rules version `{summary['rules_version']}`", "",
             "| inputs | published | quarantined | unchanged | filtered |", "|---|---|---|---|---|",
             f"| {summary['inputs']} | {summary['published']} | {summary['quarantined']} | {summary['unchanged']} | {summary['filtered']} |"]
    lines += ["", "## Review report", ""]
    if not summary["published"]:
        lines.append("Nothing was published in this run: nothing to review.")
    else:
        # Prefect cannot host files: the report is written next to a SQLite store (else to
        # data/reports, or $CLEANERS_REPORT_DIR) and linked by path. At most 200 articles, to stay cheap.
        try:
            import os

            import sqlalchemy as sa
            from prefect.artifacts import create_link_artifact

            from cleaners import rule_catalogue
            from cleaners.render.report import results_from_rows, write_report

            from .store import articles, removals

            store = Store(store_url)
            with store.engine.connect() as conn:
                rows = [dict(r) for r in conn.execute(sa.select(articles).where(articles.c.run_id == summary["run_id"])
                                                      .order_by(articles.c.id).limit(200)).mappings()]
                cut = [dict(r) for r in conn.execute(sa.select(removals).where(
                    removals.c.article_id.in_([r["id"] for r in rows]))).mappings()] if rows else []
            local = store.dialect == "sqlite" and ":memory:" not in store.url
            folder = os.environ.get("CLEANERS_REPORT_DIR") or (
                Path(store.url.removeprefix("sqlite:///")).parent / "reports" if local else Path("data/reports"))
            items = results_from_rows(rows, cut, rule_catalogue(rules_dir))
            path = write_report(Path(folder).resolve() / f"review-{summary['run_id']}.html", items,
                                title=f"Review report · run {summary['run_id']}",
                                note=f"store {summary['store']} · rules version {summary['rules_version']}")
            shown = f"the first {len(rows)} of {summary['published']}" if summary["published"] > len(rows) else f"all {len(rows)}"
            lines += [f"[{path.name}]({path.as_uri()}): {shown} published article(s), every removal struck through "
                      "in place and coloured by category, the rule on hover.", "", f"File: `{path}`", "",
                      "_Browsers do not open `file://` links from a web page: copy the path into the address bar._"]
            create_link_artifact(path.as_uri(), link_text=path.name, key="clean-articles-review",
                                 description="The review report: published articles with their removals in place.")
        except Exception as exc:  # a convenience: it must never fail a run that has published
            get_run_logger().warning("review report not written: %s", exc)
            lines.append(f"The review report could not be written: {exc}")
    if summary["removals_by_category"]:
        lines += ["", "## Removed by category", "", "| category | removals |", "|---|---:|"]
        lines += [f"| {category} | {n} |" for category, n in summary["removals_by_category"].items()]
        lines += ["", "## Top rules", "", "| rule | removals |", "|---|---:|"]
        lines += [f"| `{rule}` | {n} |" for rule, n in summary["top_rules"].items()]
    create_markdown_artifact("\n".join(lines), key="clean-articles-report", description="Run overview.")
