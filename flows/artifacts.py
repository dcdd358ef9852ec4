"""The run's Prefect artifacts: tables of its counts, top rules and quarantine, a Markdown overview,
and a link to the review report (an HTML page of the published articles with their removals)."""
from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from cleaners import rule_catalogue
from cleaners.render.report import results_from_rows, write_report

from .store import Store, sqlite_file
from .summary import RunSummary

REPORT_ARTICLES = 200  # at most this many articles in the review report, to stay cheap
QUARANTINE_ROWS = 500


def publish_artifacts(summary: RunSummary, store: Store, rules_dir: str | None, report_dir: Path | None) -> None:
    create_table_artifact(summary.count_rows(), key="clean-articles-summary",
                          description="What this run read, published, quarantined and removed.")
    rules = [{"rule": rule, "removals": n} for rule, n in summary.top_rules.items()] or [{"rule": "(none fired)", "removals": 0}]
    create_table_artifact(rules, key="clean-articles-top-rules", description="The rules that removed most.")
    quarantine = [{"article": article, "reason": reason} for article, reason in summary.quarantine[:QUARANTINE_ROWS]]
    create_table_artifact(quarantine or [{"article": "(none)", "reason": ""}], key="clean-articles-quarantine",
                          description="Inputs not published, with the first reason (all reasons are in the store).")
    lines = [f"# Run {summary.run_id}", "", f"Store: `{summary.store}` · rules version `{summary.rules_version}`", "",
             "| inputs | published | quarantined | unchanged | filtered |", "|---|---|---|---|---|",
             f"| {summary.inputs} | {summary.published} | {summary.quarantined} | {summary.unchanged} | {summary.filtered} |"]
    lines += ["", "## Review report", ""]
    if not summary.published:
        lines.append("Nothing was published in this run: nothing to review.")
    else:
        try:
            lines += _review_report(summary, store, rules_dir, report_folder(store.url, report_dir))
        except Exception as exc:  # a convenience: it must never fail a run that has published
            get_run_logger().warning("review report not written: %s", exc)
            lines.append(f"The review report could not be written: {exc}")
    if summary.removals_by_category:
        lines += ["", "## Removed by category", "", "| category | removals |", "|---|---:|"]
        lines += [f"| {category} | {n} |" for category, n in summary.removals_by_category.items()]
        lines += ["", "## Top rules", "", "| rule | removals |", "|---|---:|"]
        lines += [f"| `{rule}` | {n} |" for rule, n in summary.top_rules.items()]
    create_markdown_artifact("\n".join(lines), key="clean-articles-report", description="Run overview.")


def report_folder(store_url: str, report_dir: Path | None) -> Path:
    """Where review reports go: CLEANERS_REPORT_DIR, else `reports/` next to a SQLite store's file,
    else data/reports. (Prefect cannot host files: the report is linked by path.)"""
    if report_dir:
        return report_dir
    database = sqlite_file(store_url)
    return database.parent / "reports" if database else Path("data/reports")


def _review_report(summary: RunSummary, store: Store, rules_dir: str | None, folder: Path) -> list[str]:
    """Write the review report; the overview's lines about it."""
    rows, cut = store.published_by_run(summary.run_id, REPORT_ARTICLES)
    items = results_from_rows(rows, cut, rule_catalogue(rules_dir))
    path = write_report(folder.resolve() / f"review-{summary.run_id}.html", items,
                        title=f"Review report · run {summary.run_id}",
                        note=f"store {summary.store} · rules version {summary.rules_version}")
    shown = f"the first {len(rows)} of {summary.published}" if summary.published > len(rows) else f"all {len(rows)}"
    create_link_artifact(path.as_uri(), link_text=path.name, key="clean-articles-review",
                         description="The review report: published articles with their removals in place.")
    return [f"[{path.name}]({path.as_uri()}): {shown} published article(s), every removal struck through "
            "in place and coloured by category, the rule on hover.", "", f"File: `{path}`", "",
            "_Browsers do not open `file://` links from a web page: copy the path into the address bar._"]
