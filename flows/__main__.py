"""python -m flows run | serve | ui   (see README "The pipeline")."""
from __future__ import annotations

import argparse
import json
import os
import sys

# A run without a configured server starts a temporary one and gives it 20 s to answer; on a busy
# machine (seen here with two other runs going) that is too short and the run fails before it starts.
# Set before Prefect is imported; an explicit setting still wins.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows", description="Run, serve or show the clean-articles flow.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the flow once and print its summary")
    run.add_argument("--inbox", help="folder, .jsonl/.parquet file or table:<name> (default: the fixture inbox)")
    run.add_argument("--store", dest="store_url", help="SQLAlchemy URL (default $CLEANERS_STORE_URL or sqlite:///data/articles.db)")
    run.add_argument("--source"), run.add_argument("--since"), run.add_argument("--until")
    run.add_argument("--ids", help="comma-separated article ids")
    run.add_argument("--force", action="store_true"), run.add_argument("--rules-dir")
    run.add_argument("--batch-size", type=int, default=200), run.add_argument("--task-runner", default="threads")
    run.add_argument("--export", help="write what was published to a .jsonl file or a Markdown folder")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    commands.add_parser("serve", help="serve the deployments of prefect.yaml (needs a Prefect server)")
    commands.add_parser("ui", help="start a local Prefect server with its UI and serve both deployments")
    args = parser.parse_args(argv)

    if args.command == "serve":
        from .serve import serve

        serve()
        return 0
    if args.command == "ui":
        from .serve import ui

        return ui()
    from .clean_articles import DEFAULT_INBOX, clean_articles

    from pydantic import SecretStr

    summary = clean_articles(  # the store URL as a secret: Prefect records it as asterisks
        inbox=args.inbox or DEFAULT_INBOX, store_url=SecretStr(args.store_url) if args.store_url else None,
        source=args.source, since=args.since,
        until=args.until, article_ids=args.ids.split(",") if args.ids else None, force=args.force,
        rules_dir=args.rules_dir, batch_size=args.batch_size, task_runner=args.task_runner, export=args.export,
    )
    print(json.dumps(summary, indent=2, ensure_ascii=False) if args.json else format_summary(summary))
    return 0


def format_summary(summary: dict) -> str:
    lines = [
        f"run {summary['run_id']}  store {summary['store']}  rules {summary['rules_version']}",
        f"inputs {summary['inputs']}: published {summary['published']}, quarantined {summary['quarantined']}, "
        f"unchanged {summary['unchanged']}, filtered out {summary['filtered']}",
        "removed by category: " + (", ".join(f"{c} {n}" for c, n in summary["removals_by_category"].items()) or "nothing"),
        "top rules: " + (", ".join(f"{r} {n}" for r, n in list(summary["top_rules"].items())[:8]) or "none"),
    ]
    if summary["quarantine"]:
        lines.append("quarantined:")
        lines.extend(f"  {article}: {reason}" for article, reason in summary["quarantine"])
    if "exported" in summary:
        lines.append(f"exported {summary['exported']} article(s)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
