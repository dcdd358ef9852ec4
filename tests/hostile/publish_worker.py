"""A pipeline run without Prefect, in its own process, for the fault tests: scan an inbox, then
process_batch + Store.publish batch by batch, exactly as the flow's tasks do.

    publish_worker.py INBOX STORE_URL RUN_ID BATCH_SIZE [--hang-in-batch N --ready FILE]
                                                       [--barrier FILE --ready FILE]

--hang-in-batch N: in batch N (0-based), inside the publish transaction (after the articles were
    written, just before the ledger rows), create FILE and sleep: the test SIGKILLs the process there.
--barrier FILE: clean every batch first, create --ready, wait until FILE exists, then publish them
    all: two workers started together then publish the same inputs at the same moment.
Prints the run's summary (flows/summary.py) as JSON on its last line.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("inbox"), parser.add_argument("store_url"), parser.add_argument("run_id")
    parser.add_argument("batch_size", type=int)
    parser.add_argument("--hang-in-batch", type=int)
    parser.add_argument("--barrier"), parser.add_argument("--ready")
    args = parser.parse_args()

    import sqlalchemy as sa

    from flows import inbox
    from flows.options import RunOptions
    from flows.pipeline import process_batch
    from flows.store import Store, safe_url
    from flows.summary import Counts, RunSummary

    store = Store(args.store_url)
    state = {"batch": -1}
    if args.hang_in_batch is not None:
        @sa.event.listens_for(store.engine, "before_cursor_execute")
        def hang(conn, cursor, statement, parameters, context, executemany):
            if state["batch"] == args.hang_in_batch and statement.lstrip().upper().startswith("INSERT INTO LEDGER"):
                Path(args.ready).write_text("in the publish transaction")
                time.sleep(600)  # killed here

    locators = inbox.scan(args.inbox, args.store_url)
    batches = [locators[i:i + args.batch_size] for i in range(0, len(locators), args.batch_size)]
    store.start_run(args.run_id, {"inbox": args.inbox, "worker": True})
    options = RunOptions(store_url=args.store_url)
    rules_version = options.load_rules().version
    totals = Counts()

    def publish(index: int, batch: dict) -> None:
        nonlocal totals
        state["batch"] = index
        store.publish(args.run_id, batch)
        totals += Counts.of_batch(batch)

    if args.barrier:
        cleaned = [process_batch(batch, options) for batch in batches]
        Path(args.ready).write_text("cleaned")
        deadline = time.monotonic() + 120
        while not Path(args.barrier).exists():
            if time.monotonic() > deadline:
                raise SystemExit("barrier never opened")
            time.sleep(0.01)
        for index, batch in enumerate(cleaned):
            publish(index, batch)
    else:
        for index, locs in enumerate(batches):
            publish(index, process_batch(locs, options))
    summary = RunSummary.of(totals, run_id=args.run_id, inputs=len(locators), rules_version=rules_version,
                            store=safe_url(args.store_url))
    store.finish_run(args.run_id, summary.as_dict())
    print(json.dumps(summary.as_dict()))


if __name__ == "__main__":
    main()
