"""The run's Prefect artifacts: tables of its counts, top rules, quarantine and of what happened to each
input, a Markdown overview, the removals of its articles in Markdown, and a link to the review report
(an HTML page of the published articles with their removals, served over HTTP by `make ui`)."""
from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from cleaners import rule_catalogue
from cleaners.render.report import render_markdown, results_from_rows, write_report

from .settings import FlowSettings
from .store import Store, sqlite_file
from .store.outcomes import run_outcomes
from .summary import RunSummary

REPORT_ARTICLES = 200  # at most this many articles in the review report, to stay cheap
REVIEW_ARTICLES = 20  # articles whose removals the Markdown review shows; the report has the rest
QUARANTINE_ROWS = 500
OUTCOME_ROWS = 500  # inputs listed in the outcomes table; the store's ledger has every one


def publish_artifacts(summary: RunSummary, store: Store, rules_dir: str | None, settings: FlowSettings,
                      filtered_ids: list[str] = ()) -> str | None:
    """Every artifact of the run; returns the review report's path when one was written.
    `filtered_ids`: the first inputs the run's filters left out (not in the store), for the outcomes table."""
    warnings = summary.warnings()
    create_table_artifact(summary.count_rows(), key="clean-articles-summary",
                          description="What this run read, published, quarantined and removed."
                          + "".join(f"\n\n**Warning:** {_escaped(w)}" for w in warnings))
    rules = [{"rule": rule, "removals": n} for rule, n in summary.top_rules.items()] or [{"rule": "(none fired)", "removals": 0}]
    create_table_artifact(rules, key="clean-articles-top-rules", description="The rules that removed most.")
    quarantine = [{"article": article, "reason": reason} for article, reason in summary.quarantine[:QUARANTINE_ROWS]]
    create_table_artifact(quarantine or [{"article": "(none)", "reason": ""}], key="clean-articles-quarantine",
                          description="Inputs not published, with the first reason (all reasons are in the store).")
    _outcomes_table(summary, store, list(filtered_ids))
    lines = [f"# Run {summary.run_id}", ""]
    lines += [f"> **Warning:** {_escaped(w)}\n" for w in warnings]
    lines += [f"Store: `{summary.store}` · rules version `{summary.rules_version}`", "",
              "| inputs | published | quarantined | unchanged | filtered |", "|---|---|---|---|---|",
              f"| {summary.inputs} | {summary.published} | {summary.quarantined} | {summary.unchanged} | {summary.filtered} |",
              "", "What happened to each input: the `clean-articles-outcomes` table; the removals of the published "
              "articles: `clean-articles-removals`."]
    lines += ["", "## Review report", ""]
    path = None
    if not summary.published:
        lines.append("Nothing was published in this run: nothing to review.")
    else:
        try:
            path, report_lines = _review(summary, store, rules_dir, settings)
            lines += report_lines
        except Exception as exc:  # a convenience: it must never fail a run that has published
            get_run_logger().warning("review report not written: %s", exc)
            lines.append(f"The review report could not be written: {exc}")
    if summary.removals_by_category:
        lines += ["", "## Removed by category", "", "| category | removals |", "|---|---:|"]
        lines += [f"| {category} | {n} |" for category, n in summary.removals_by_category.items()]
        lines += ["", "## Top rules", "", "| rule | removals |", "|---|---:|"]
        lines += [f"| `{rule}` | {n} |" for rule, n in summary.top_rules.items()]
    create_markdown_artifact("\n".join(lines), key="clean-articles-report", description="Run overview.")
    return str(path) if path else None


def report_folder(store_url: str, report_dir: Path | None) -> Path:
    """Where review reports go: CLEANERS_REPORT_DIR, else `reports/` next to a SQLite store's file,
    else data/reports. (`make ui` serves this folder of the default store over HTTP.)"""
    if report_dir:
        return report_dir
    database = sqlite_file(store_url)
    return database.parent / "reports" if database else Path("data/reports")


def outcome_rows(summary: RunSummary, store: Store, filtered_ids: list[str], limit: int = OUTCOME_ROWS) -> list[dict]:
    """The outcomes table: one row per input (quarantined first, then published, unchanged and
    filtered out; the first `limit`), then a row of totals."""
    outcomes, totals = run_outcomes(store.engine, summary.run_id, limit)
    rows = []
    for o in outcomes:
        if o.outcome == "published":
            what = f"published as version {o.version}" if o.version else "published (a later run has published it since)"
        elif o.outcome == "quarantined":
            what = f"quarantined: {o.detail}"
        else:
            what = o.outcome
        # Columns in the order an editor reads them; a long title last, so the table's width cuts nothing else.
        rows.append({"id": o.article_id, "outcome": what, "source": o.source or "",
                     "removed": ", ".join(f"{c} {n}" for c, n in o.removals.most_common()), "title": o.title or ""})
    rows += [{"id": article_id, "outcome": "filtered out", "source": "", "removed": "", "title": ""}
             for article_id in filtered_ids[:max(0, limit - len(rows))]]
    listed = sum(totals.values()) + summary.filtered
    counts = ", ".join(f"{name} {n}" for name, n in (("published", totals["published"]), ("quarantined", totals["quarantined"]),
                                                     ("unchanged", totals["unchanged"]), ("filtered out", summary.filtered)) if n)
    more = f"; {listed - len(rows)} more not listed here" if listed > len(rows) else ""
    removed = ", ".join(f"{c} {n}" for c, n in summary.removals_by_category.items())
    return rows + [{"id": f"(all {listed} inputs{more})", "outcome": counts or "none", "source": "", "removed": removed,
                    "title": ""}]


def _outcomes_table(summary: RunSummary, store: Store, filtered_ids: list[str]) -> None:
    rows = outcome_rows(summary, store, filtered_ids)
    shown = len(rows) - 1
    description = (f"What this run did to each input: the first {shown} (quarantined first), then the totals. "
                   if shown < summary.read else "What this run did to each input, then the totals. ")
    create_table_artifact(rows, key="clean-articles-outcomes", description=description + (
        f"Every input's outcome is in the store's `ledger` table (`run_id = '{summary.run_id}'`), the published "
        "articles in `articles` (`python -m flows export`); inputs the filters left out are not in the store."))


def _review(summary: RunSummary, store: Store, rules_dir: str | None, settings: FlowSettings) -> tuple[Path, list[str]]:
    """Write the review report, link it and show the first articles' removals in Markdown; the
    overview's lines about it."""
    from .serve import report_url  # the UI's report server; not needed for anything else here

    rows, cut = store.published_by_run(summary.run_id, REPORT_ARTICLES)
    items = results_from_rows(rows, cut, rule_catalogue(rules_dir))
    folder = report_folder(store.url, settings.report_dir)
    path = write_report(folder.resolve() / f"review-{summary.run_id}.html", items,
                        title=f"Review report · run {summary.run_id}",
                        note=f"store {summary.store} · rules version {summary.rules_version}")
    url = report_url(path, settings)
    create_link_artifact(url or path.as_uri(), link_text=path.name, key="clean-articles-review",
                         description="The review report: published articles with their removals in place.")
    shown = f"the first {len(rows)} of {summary.published}" if summary.published > len(rows) else f"all {len(rows)}"
    link = f"[{path.name}]({url})" if url else f"`{path.name}`"
    opened = ("" if url else "_Not served over HTTP now (browsers do not open `file://` links from a web page): "
              "with `make ui` running, a run's report opens from here; else copy the path into the address bar._")
    review = items[:REVIEW_ARTICLES]
    header = [f"# Removals of run {summary.run_id}", "",
              f"{len(review)} of {summary.published} published article(s), each removal struck through in place "
              "with its category and rule id; kept paragraphs away from any removal are summed up.", "",
              f"The review report {link} shows {shown} with their whole text (file: `{path}`).", ""]
    create_markdown_artifact("\n".join(header) + render_markdown(review), key="clean-articles-removals",
                             description="The removals of this run's articles, in place.")
    return path, [f"{link}: {shown} published article(s), every removal struck through in place and coloured by "
                  "category, the rule on hover.", "", f"File: `{path}`", *(["", opened] if opened else [])]


def _escaped(text: str) -> str:
    """A message that may quote an id or a source, shown in Markdown as written."""
    return "".join("\\" + c if c in "\\`*_[]<>|~#" else c for c in text)
