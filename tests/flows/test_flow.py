"""The clean-articles flow under a real (test) Prefect server: summary, ledger, artifacts, reruns."""
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
