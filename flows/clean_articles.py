"""The Prefect flow: thin wrappers over the inbox reader, the batch pipeline and the store."""
from __future__ import annotations

import pickle
import uuid
from dataclasses import replace

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE as NO_CACHE
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote
from pydantic import SecretStr

from . import inbox
from .artifacts import publish_artifacts
from .memory import give_back_free_memory, return_large_blocks
from .options import RunOptions, run_parameters
from .settings import FlowSettings
from .store import Store, resolve_url, safe_url
from .summary import LISTED_IDS, Counts, RunSummary
from .task_runners import make_task_runner

MAX_IN_FLIGHT = 8  # batches being cleaned at once: keeps memory flat on huge inboxes


@task(retries=2, retry_delay_seconds=2)
def list_inbox(options: RunOptions) -> list[inbox.Locator]:
    return inbox.scan(options.inbox, options.store_url.get_secret_value())


# The batch tasks neither cache nor hash their inputs, and the cleaned batch is passed to publishing
# quoted: Prefect would otherwise hash and walk every article of every batch in the flow's process.
# (Not the locators sent to Dask: a quoted argument reaches a Dask worker as a bare tuple.)
@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)  # it reads the inbox and the store
def clean_batch(locators: list[inbox.Locator], options: RunOptions, settings: FlowSettings) -> bytes:
    """The cleaned batch, pickled (`unpacked` in the flow's process). Prefect keeps what a task
    returned for as long as the process lives (in copies of the task run's context that its
    background services hold): a worker process kept every batch it had cleaned as objects
    (quarantined inputs' payloads, clean texts, removal logs), two to three times its pickled size.
    It was pickled to reach the flow's process anyway (by the task runner, or Dask)."""
    from .pipeline import process_batch  # here, not at the top: see flows/options.py

    batch = process_batch(locators, options, settings)
    if batch["filtered"]:  # which inputs a filter left out, for the run's outcomes table (the ledger has the rest)
        handled = {entry["article_id"] for entry in batch["ledger"]}
        batch["filtered_ids"] = [loc.id for loc in locators if loc.id not in handled][:min(batch["filtered"], LISTED_IDS)]
    for line in batch["stopped"]:  # a record that hung or killed its cleaning worker (flows/watchdog.py)
        get_run_logger().warning("cleaning worker stopped: %s", line)
    cleaned = pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
    del batch  # the batch's records and results: freed before the heap is trimmed
    give_back_free_memory()
    return cleaned


def unpacked(cleaned: bytes) -> dict:
    """A batch as clean_batch returned it."""
    return pickle.loads(cleaned)  # our own worker's bytes, as trusted as the task runner's pickles


@task(retries=3, retry_delay_seconds=[1, 5, 15], cache_policy=NO_CACHE)
def publish_batch(options: RunOptions, run_id: str, handed: list[dict]) -> Counts:
    """Publish the cleaned batch `handed` holds (a list of one), and empty it once published.
    Prefect keeps a task's parameters in the task run's context, and copies of that context live on
    in its background services after the task: a batch passed as it is stayed in the flow's process
    until the run ended, every batch of the run (about 25 MB each on 200 articles, half of them pages).
    Emptied, the list is all they keep. A failed publish leaves it full, for the task's retry."""
    batch = handed[0]
    Store(options.store_url.get_secret_value()).publish(run_id, batch)
    counts = Counts.of_batch(batch)
    handed.clear()
    return counts


# The options carry the store URL, which may hold a password, as a SecretStr: Prefect stores and
# shows it as "**********" wherever it records a flow's parameters (the subflow's too).
@flow(name="clean-batches")
def clean_batches(options: RunOptions, settings: FlowSettings, run_id: str) -> tuple[int, Counts]:
    """Clean and publish an inbox in batches: one clean task and one publish task per batch; returns
    the number of inputs and what the batches held.
    The clean tasks run on the task runner (threads or Dask workers); the publish tasks run here,
    in the flow's process, one at a time, so the workers never wait for the store (SQLite takes one
    writer at a time) and keep up to MAX_IN_FLIGHT batches in hand."""
    locators = list_inbox(options)
    totals = Counts()
    if options.article_ids:  # a typo in an id must not pass silently as "published 0"
        known = {loc.id for loc in locators}
        totals.unmatched_ids = [article_id for article_id in options.article_ids if article_id not in known]
    cleaning = []
    for start in range(0, len(locators), options.batch_size):
        cleaning.append(clean_batch.submit(locators[start:start + options.batch_size], options, settings))
        if len(cleaning) >= MAX_IN_FLIGHT:
            totals += publish_batch(options, run_id, quote([unpacked(cleaning.pop(0).result())]))
    while cleaning:  # each future let go once its batch is published: it holds the batch
        totals += publish_batch(options, run_id, quote([unpacked(cleaning.pop(0).result())]))
    return len(locators), totals


@flow(name="clean-articles", log_prints=True)
@run_parameters  # its parameters are RunOptions' fields, flat: the Run form, deployments and callers use them
def clean_articles(**parameters) -> RunSummary:
    """Clean the articles of an inbox, validate them, publish them or quarantine them with reasons."""
    return_large_blocks()  # the cleaned batches come back here to be published (flows/memory.py)
    options = RunOptions.of_parameters(parameters)  # the Run form's empty fields are options not set
    settings = FlowSettings.read()
    store_url = resolve_url(options.store_url, settings)
    options = options.model_copy(update={"store_url": SecretStr(store_url)})  # resolved once, for every task
    run_id = str(flow_run.id or uuid.uuid4())
    rules_version = options.load_rules().version  # fails fast on a broken rule directory
    store = Store(store_url)
    store.start_run(run_id, options.model_dump(mode="json") | {"store_url": safe_url(store_url)})
    runner = make_task_runner(options.task_runner)
    inputs, counts = clean_batches.with_options(task_runner=runner)(options, settings, run_id)
    exported = store.export(options.export, options) if options.export else None  # what the store holds, not only this run
    summary = RunSummary.of(counts, run_id=run_id, inputs=inputs, rules_version=rules_version,
                            store=safe_url(store_url), exported=exported, filters=options.filters_shown())
    logger = get_run_logger()
    for warning in summary.warnings():
        logger.warning(warning)
    summary = replace(summary, report=publish_artifacts(summary, store, options.rules_dir, settings, counts.filtered_ids))
    store.finish_run(run_id, summary.as_dict())
    logger.info("published %s, quarantined %s, unchanged %s, filtered out %s of %s inputs", summary.published,
                summary.quarantined, summary.unchanged, summary.filtered, summary.inputs)
    return summary
