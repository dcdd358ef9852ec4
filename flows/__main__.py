"""python -m flows run | export | serve | ui   (see README "The pipeline").

Exit codes: 0 done; 1 the store could not be opened or written, or the run failed; 2 wrong usage: an
option or setting that cannot be used (each said in one sentence, without a traceback)."""
from __future__ import annotations

import argparse
import json
import os
import sys
import typing
from pathlib import Path

from pydantic import ValidationError

from .options import RunOptions

# A run without a configured server starts a temporary one and gives it 20 s to answer; on a busy
# machine (seen here with two other runs going) that is too short and the run fails before it starts.
# Set before Prefect is imported; an explicit setting still wins.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

# The options of `run` are RunOptions' fields; these keep the flags they had before they were.
FLAGS = {"store_url": "--store", "article_ids": "--ids"}
# The options of `export`: what chooses articles, as a run chooses its inputs, and the store.
EXPORT_OPTIONS = ("store_url", "source", "since", "until", "article_ids")
EXIT_FAILED, EXIT_USAGE = 1, 2


class Unusable(Exception):
    """An option or setting that cannot be used, or a store that cannot be opened: one sentence and an
    exit code, no traceback."""

    def __init__(self, message: str, code: int = EXIT_USAGE):
        super().__init__(message)
        self.code = code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows", description="Run, serve or show the clean-articles flow.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the flow once and print its summary")
    for name in RunOptions.model_fields:
        add_option(run, name)
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    export = commands.add_parser(
        "export", help="write what the store holds to a .jsonl file or a folder of Markdown files",
        description="Write the latest version of each article in the store, chosen by the same filters as a run, "
                    "to a .jsonl file or to a folder (one Markdown file per article). Nothing is cleaned again.")
    export.add_argument("dest", metavar="DEST", help="a .jsonl file, or a folder for one Markdown file per article")
    for name in EXPORT_OPTIONS:
        add_option(export, name)
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
    command = export if args.command == "export" else run
    given = {name: value for name, value in vars(args).items() if name in RunOptions.model_fields}
    try:
        options = RunOptions(**given)
    except ValidationError as exc:
        error = exc.errors()[0]
        command.error(f"argument {flag(str(error['loc'][0]))}: {error['msg']}")
    try:
        if args.command == "export":
            return export_store(args.dest, options)
        return run_once(options, args.json)
    except Unusable as exc:
        print(f"{command.prog}: error: {exc}", file=sys.stderr)
        return exc.code


def run_once(options: RunOptions, as_json: bool) -> int:
    """One run of the flow. Its settings are checked first, so that a wrong one is one sentence here
    rather than a failed flow run with a traceback."""
    open_store(resolve_store_url(options))
    from cleaners import RuleError

    try:
        options.load_rules()
    except RuleError as exc:
        raise Unusable(f"--rules-dir: {exc}") from None
    if not options.inbox.startswith("table:") and not Path(options.inbox).exists():
        raise Unusable(f"--inbox: {options.inbox} does not exist; give a folder, a .jsonl or .parquet file, or table:<name>")
    if options.export:
        export_target(options.export)
    from .clean_articles import clean_articles
    from .store import StoreUnavailable

    try:
        summary = clean_articles(**dict(options))
    except StoreUnavailable as exc:  # the store went away during the run (the run's log has the details)
        raise Unusable(str(exc), EXIT_FAILED) from None
    print(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False) if as_json else summary.as_text())
    return 0


def export_store(dest: str, options: RunOptions) -> int:
    """`export`: what the store holds, chosen like a run's inputs, written without cleaning again."""
    target = export_target(dest)
    from .store import safe_url, sqlite_file

    store_url = resolve_store_url(options)
    path = sqlite_file(store_url)
    if path and not path.exists():  # opening it would create an empty store and export nothing
        raise Unusable(f"--store: {safe_url(store_url)}: there is no such file; run the flow first, or give its store")
    store = open_store(store_url)
    try:
        count = store.export(target, options)
    except OSError as exc:
        raise Unusable(f"cannot write {dest}: {exc.strerror or exc}", EXIT_FAILED) from None
    print(f"exported {count} article(s) from {safe_url(store_url)} to {dest}")
    if not count:
        print("no article in the store matches: check --ids, --source, --since and --until (or run the flow first)",
              file=sys.stderr)
    return 0


def export_target(dest: str) -> Path:
    """Where an export goes: a .jsonl file, or a folder (one Markdown file per article)."""
    target = Path(dest)
    if not dest.strip():
        raise Unusable('the export target is "" (empty): give a .jsonl file or a folder')
    if target.suffix.lower() == ".json":
        raise Unusable(f"export to {dest}: the file export is JSON Lines: name it .jsonl (or give a folder for Markdown)")
    if target.suffix != ".jsonl" and target.exists() and not target.is_dir():
        raise Unusable(f"export to {dest}: it is a file, not a folder; give a .jsonl file or a folder for Markdown files")
    return target


def resolve_store_url(options: RunOptions) -> str:
    """The run's store URL (the option, else the settings'); a setting that does not fit is a usage error."""
    from .settings import FlowSettings
    from .store import resolve_url

    try:
        settings = FlowSettings.read()
    except ValueError as exc:
        raise Unusable(str(exc)) from None
    return resolve_url(options.store_url, settings)


def open_store(store_url: str):
    """The store, opened (its tables created): a URL that cannot be used is a usage error, a store that
    cannot be reached exit 1."""
    from .store import Store, StoreUnavailable, StoreURLError

    try:
        return Store(store_url)
    except StoreURLError as exc:
        raise Unusable(str(exc)) from None
    except StoreUnavailable as exc:
        raise Unusable(str(exc), EXIT_FAILED) from None


def flag(name: str) -> str:
    return FLAGS.get(name, "--" + name.replace("_", "-"))


def add_option(parser: argparse.ArgumentParser, name: str) -> None:
    """The option of one RunOptions field: its flag, help and type from the field. Options not given
    are left out, so the field's default applies."""
    field = RunOptions.model_fields[name]
    shown = field.default not in (None, False)
    help_text = f"{field.description}{f' (default: {field.default})' if shown else ''}"
    if field.annotation is bool:
        parser.add_argument(flag(name), dest=name, action="store_true", default=argparse.SUPPRESS, help=help_text)
    elif list in {typing.get_origin(arg) for arg in typing.get_args(field.annotation)}:
        parser.add_argument(flag(name), dest=name, type=lambda text: text.split(","), default=argparse.SUPPRESS,
                            metavar="A,B", help=help_text + " Comma-separated.")
    else:
        parser.add_argument(flag(name), dest=name, default=argparse.SUPPRESS, help=help_text)


if __name__ == "__main__":
    sys.exit(main())
