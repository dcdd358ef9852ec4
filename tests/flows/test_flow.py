"""The clean-articles flow under a real (test) Prefect server: summary, ledger, artifacts, reruns."""
import json

import pytest

from flows.clean_articles import clean_articles
from flows.options import DEFAULT_INBOX
from flows.store import Store, articles, ledger, quarantine, runs

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_flow_publishes_quarantines_and_reports(store_url):
    summary = clean_articles(inbox=DEFAULT_INBOX, store_url=store_url, batch_size=4)
    assert (summary.inputs, summary.published, summary.quarantined, summary.unchanged) == (18, 10, 8, 0)
    assert summary.removals_by_category["newsletter"] > 0
    store = Store(store_url)
    run_ledger = store.rows(ledger, run_id=summary.run_id)
    assert len(run_ledger) == 18 == len({row["article_id"] for row in run_ledger})
    assert store.rows(runs, run_id=summary.run_id)[0]["finished_at"] is not None

    again = clean_articles(inbox=DEFAULT_INBOX, store_url=store_url, batch_size=4)
    assert (again.published, again.quarantined, again.unchanged) == (0, 0, 18)
    assert store.count(articles) == 10 and store.count(quarantine) == 8


def test_flow_writes_artifacts(tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    clean_articles(inbox=DEFAULT_INBOX, store_url=f"sqlite:///{tmp_path / 'a.db'}")
    with get_client(sync_client=True) as client:
        for key in ("clean-articles-summary", "clean-articles-top-rules", "clean-articles-quarantine"):
            found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
            assert found and found[0].type == "table", key
        summary = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["clean-articles-summary"])))
        assert "published" in str(summary[0].data)


def test_new_rule_recleans_with_next_version(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    clean_articles(inbox=DEFAULT_INBOX, store_url=url)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "newsroom.toml").write_text('''
[[rules]]
id = "promo.huggingface-plug"
category = "promo"
kind = "sentence"
pattern = "bietet Hugging Face eine umfangreiche Ressource"
why = "Test rule: an editor's new rule."
examples.remove = ["Damit bietet Hugging Face eine umfangreiche Ressource."]
examples.keep = ["Hugging Face wächst."]
''', encoding="utf-8")
    summary = clean_articles(inbox=DEFAULT_INBOX, store_url=url, rules_dir=str(rules), article_ids=["004_e3f12a9e40013616"])
    assert summary.published == 1 and summary.top_rules["promo.huggingface-plug"] == 1
    article = Store(url).article("004_e3f12a9e40013616")
    assert article["version"] == 2 and "umfangreiche Ressource" not in article["text"]


def test_broken_rule_directory_fails_the_run_clearly(tmp_path):
    (tmp_path / "bad.toml").write_text('[[rules]]\nid = "nope"\n', encoding="utf-8")
    with pytest.raises(Exception, match="bad.toml"):
        clean_articles(inbox=DEFAULT_INBOX, store_url=f"sqlite:///{tmp_path / 'a.db'}", rules_dir=str(tmp_path))


@pytest.mark.postgres
def test_no_flow_run_of_prefect_records_the_store_password(postgres_database):
    """A store URL's password never reaches Prefect: the flow's and the subflow's parameters hold it
    as a secret (shown as asterisks), and the summary shows the URL masked."""
    import sqlalchemy as sa
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    secret = "S3cret-Pw-0042"  # the local server trusts every password
    url = sa.make_url(postgres_database).set(password=secret).render_as_string(hide_password=False)
    from pydantic import SecretStr

    summary = clean_articles(inbox=DEFAULT_INBOX, store_url=SecretStr(url), batch_size=6)  # as `--store` does
    assert secret not in str(summary)
    with get_client(sync_client=True) as client:
        parent = client.read_flow_run(summary.run_id)
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent.id])))
        assert children, "the batches run in a subflow"
        for run in [parent, *children]:
            assert secret not in str(run.parameters), run.name


def _artifact(client, key: str, run_id: str):
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    (found,) = client.read_artifacts(artifact_filter=ArtifactFilter(
        key=ArtifactFilterKey(any_=[key]), flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])))
    return found


def test_the_outcomes_table_and_the_review_show_each_article(tmp_path):
    """The UI's view of a run: each input with its outcome, the removals in Markdown, the report linked."""
    from prefect.client.orchestration import get_client

    store_url = f"sqlite:///{tmp_path / 'a.db'}"
    summary = clean_articles(inbox=DEFAULT_INBOX, store_url=store_url)
    with get_client(sync_client=True) as client:
        outcomes, removals, overview, link = (_artifact(client, key, summary.run_id) for key in (
            "clean-articles-outcomes", "clean-articles-removals", "clean-articles-report", "clean-articles-review"))
    rows = json.loads(outcomes.data) if isinstance(outcomes.data, str) else outcomes.data
    assert len(rows) == 18 + 1 and rows[-1]["id"] == "(all 18 inputs)"
    assert rows[-1]["outcome"] == "published 10, quarantined 8"
    assert [row["outcome"].split(":")[0] for row in rows[:8]] == ["quarantined"] * 8  # what needs a look comes first
    seed = next(row for row in rows if row["id"] == "002_65eea8b01307b085")
    assert seed["outcome"] == "published as version 1" and seed["source"] == "dailyai.com"
    assert seed["title"].startswith("Demonstranten kritisieren") and "newsletter 7" in seed["removed"]
    assert rows[-1]["removed"].startswith("furniture 52, widget 14, newsletter 13")

    text = removals.data
    assert "~~HEUTE ABONNIEREN~~ _[newsletter · `newsletter.de-subscribe-button`]_" in text
    assert text.count("\n### ") == 10 and f"review-{summary.run_id}.html" in text
    assert summary.report and summary.report.endswith(f"review-{summary.run_id}.html")
    assert f"File: `{summary.report}`" in overview.data
    assert "](file:///" in link.data  # no report server runs here: the file itself


def test_outcomes_list_the_first_rows_then_the_totals(tmp_path):
    from flows.artifacts import outcome_rows

    store_url = f"sqlite:///{tmp_path / 'a.db'}"
    summary = clean_articles(inbox=DEFAULT_INBOX, store_url=store_url, source="dailyai.com")
    assert summary.filtered > 0 and not summary.filter_matched_nothing
    rows = outcome_rows(summary, Store(store_url), ["x-1", "x-2"], limit=3)
    assert len(rows) == 4
    assert rows[-1]["id"] == f"(all {summary.read} inputs; {summary.read - 3} more not listed here)"
    full = outcome_rows(summary, Store(store_url), [f"left-{i}" for i in range(summary.filtered)], limit=1000)
    assert [row["outcome"] for row in full].count("filtered out") == summary.filtered


def test_an_id_or_a_filter_that_matches_nothing_is_said(tmp_path, caplog):
    import logging

    store_url = f"sqlite:///{tmp_path / 'a.db'}"
    with caplog.at_level(logging.INFO):
        summary = clean_articles(inbox=DEFAULT_INBOX, store_url=store_url,
                                 article_ids=["004_e3f12a9e40013616", "004_e3f12a9e4001361"])  # a typo
    assert summary.unmatched_ids == ["004_e3f12a9e4001361"] and not summary.filter_matched_nothing
    assert summary.published == 1 and summary.filtered == 17
    logged = caplog.text
    assert "1 id(s) of article_ids match no input of the inbox: '004_e3f12a9e4001361'" in logged
    assert "published 1, quarantined 0, unchanged 0, filtered out 17 of 18 inputs" in logged
    assert "warning: 1 id(s) of article_ids match no input" in summary.as_text()

    nothing = clean_articles(inbox=DEFAULT_INBOX, store_url=store_url, source="dailyai.con")
    assert nothing.filter_matched_nothing and nothing.unmatched_ids == []
    assert nothing.warnings() == ["the filters (source='dailyai.con') matched none of the inbox's 18 input(s): "
                                  "nothing was cleaned"]
    assert json.loads(Store(store_url).rows(runs, run_id=nothing.run_id)[0]["summary"])["filter_matched_nothing"] is True
    everything = clean_articles(inbox=DEFAULT_INBOX, store_url=store_url)
    assert everything.warnings() == []


def test_the_run_form_s_empty_fields_are_options_not_set(tmp_path):
    """What the Run form sends for fields left empty: "", [] (the deployment's defaults)."""
    store_url = f"sqlite:///{tmp_path / 'a.db'}"
    summary = clean_articles(inbox=DEFAULT_INBOX, store_url=store_url, source="", since="", until="", article_ids=[],
                             rules_dir="", export="", batch_size=20)
    assert (summary.inputs, summary.published, summary.filtered) == (18, 10, 0)
    since = clean_articles(inbox=DEFAULT_INBOX, store_url=store_url, since="2100-01-01")
    assert since.filter_matched_nothing and "since=2100-01-01T00:00:00" in since.warnings()[0]
