"""python -m flows run | serve | ui   (see README "The pipeline")."""
from __future__ import annotations

import argparse
import json
import os
import sys
import typing

from pydantic import ValidationError

from .options import RunOptions

# A run without a configured server starts a temporary one and gives it 20 s to answer; on a busy
# machine (seen here with two other runs going) that is too short and the run fails before it starts.
# Set before Prefect is imported; an explicit setting still wins.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

# The options of `run` are RunOptions' fields; these keep the flags they had before they were.
FLAGS = {"store_url": "--store", "article_ids": "--ids"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows", description="Run, serve or show the clean-articles flow.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the flow once and print its summary")
    for name in RunOptions.model_fields:
        add_option(run, name)
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
    given = {name: value for name, value in vars(args).items() if name in RunOptions.model_fields}
    try:
        options = RunOptions(**given)
    except ValidationError as exc:
        error = exc.errors()[0]
        run.error(f"argument {flag(str(error['loc'][0]))}: {error['msg']}")
    from .clean_articles import clean_articles

    summary = clean_articles(**dict(options))
    print(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False) if args.json else summary.as_text())
    return 0


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
