"""End to end through the real Prefect UI: a custom run of the rerun deployment, typed into the form,
then what the run did to each article, from the run's page: the outcomes table, the removals in
Markdown, and the review report over HTTP.

`python -m flows ui` (what `make ui` runs: a local Prefect server with its own PREFECT_HOME on a free
port, the review reports' server on the next port, and the deployments of prefect.yaml, writing to a
temporary SQLite store) runs as a subprocess; headless Chromium drives the UI the way an editor would.
Selectors are those of the Prefect 3.8 UI.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from flows.serve import stop
from flows.store import Store, articles, ledger, runs

from .conftest import OUTPUT, ROOT

pytestmark = pytest.mark.browser  # needs Chromium (installed by .ci/run)

ARTICLE_IDS = ["002_65eea8b01307b085", "004_e3f12a9e40013616"]  # from fixtures/inbox/seeds.jsonl
RUN_TIMEOUT_MS = 150_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status == 200
    except (OSError, urllib.error.HTTPError):
        return False


def _wait(what: str, check, process_logs: list, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        for process, log in process_logs:
            if process.poll() is not None:
                raise RuntimeError(f"{what}: a process exited early:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            tails = "\n".join(log.read_text()[-2000:] for _, log in process_logs)
            raise TimeoutError(f"{what} not ready after {timeout:.0f} s:\n{tails}")
        time.sleep(0.5)


def _start(args: list[str], env: dict, log):
    # SIGINT must reach Python's handler (Prefect ignores SIGTERM), even when the test runner was
    # started with SIGINT ignored (as background jobs are).
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))




def _free_pair() -> int:
    """A free port whose next port is free too: the UI's and the reports' port."""
    for _ in range(50):
        port = _free_port()
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two free ports in a row")


@pytest.fixture(scope="module")
def prefect_ui(tmp_path_factory, chromium_path):
    """`python -m flows ui`; yields (UI URL, reports URL, store URL, folder)."""
    folder = tmp_path_factory.mktemp("prefect-ui")
    port = _free_pair()
    api = f"http://127.0.0.1:{port}/api"
    store_url = f"sqlite:///{folder / 'articles.db'}"
    env = {**os.environ, "PREFECT_HOME": str(folder / "prefect-home"), "CLEANERS_UI_PORT": str(port),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "PREFECT_LOGGING_LEVEL": "INFO",
           "CLEANERS_STORE_URL": store_url}
    for name in ("CLEANERS_REPORT_DIR", "CLEANERS_REPORT_PORT", "PREFECT_API_URL", "DISPLAY"):
        env.pop(name, None)
    ui_log = folder / "ui.log"
    ui = _start([sys.executable, "-m", "flows", "ui"], env, ui_log)
    try:
        _wait("the served deployments", lambda: _answers(f"{api}/deployments/name/clean-articles/rerun"),
              [(ui, ui_log)], timeout=240)
        yield f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}", store_url, folder
    finally:
        stop(ui, timeout=30)
        if ui_log.exists():  # kept with the screenshots, for when something goes wrong
            (OUTPUT / ui_log.name).write_text(ui_log.read_text(errors="replace"))


def settle(page) -> None:
    """Let route transitions and fade-ins finish before a screenshot (the UI polls, so the network
    never goes idle)."""
    page.wait_for_timeout(600)


def _form_field(page, name: str):
    """The Run form's block for one flow parameter, found by its label ("article_ids (Optional)")."""
    label = page.locator(".schema-form-property__label", has_text=re.compile(rf"^{name}\b"))
    return page.locator(".schema-form-property").filter(has=label).first


def _open_artifact(page, run_url: str, key: str) -> None:
    """From the run's page, its Artifacts tab, the artifact of this key."""
    page.goto(run_url)
    page.get_by_text("Artifacts", exact=True).first.click()
    page.get_by_text(key, exact=True).first.click()
    page.wait_for_url(re.compile(r"/artifacts/artifact/"))


def test_custom_run_from_the_ui_recleans_the_articles(page, prefect_ui, screenshot):
    from playwright.sync_api import expect

    ui, reports, store_url, folder = prefect_ui
    page.set_viewport_size({"width": 1400, "height": 1000})

    page.goto(f"{ui}/deployments")
    rerun = page.get_by_role("link", name="rerun", exact=True)
    page.get_by_role("link", name="scheduled", exact=True).wait_for()
    settle(page)
    screenshot(page, "ui-1-deployments")

    rerun.click()
    page.wait_for_url(re.compile(r"/deployments/deployment/"))
    run_button = page.get_by_role("button", name="Run", exact=True)
    run_button.wait_for()
    page.get_by_text("Deployment ID", exact=True).wait_for()  # the details column: the page has loaded
    settle(page)
    screenshot(page, "ui-2-rerun-deployment")

    run_button.click()
    page.get_by_text("Custom run", exact=True).click()
    # The form is filled in once the deployment's defaults have arrived (the inbox path): type only then.
    expect(_form_field(page, "inbox").locator("textarea, input").first).to_have_value(re.compile(r"fixtures/inbox"))
    # Every field is typed into directly: no "str | None" picker to choose first, and each says what it does.
    for name in ("source", "since", "rules_dir", "export"):
        field = _form_field(page, name)
        expect(field.locator("textarea, input").first).to_be_editable()
        expect(field.get_by_role("button", name="None", exact=True)).to_have_count(0)
        expect(field.locator(".schema-form-property__description")).to_contain_text("Empty:")
    ids = _form_field(page, "article_ids")
    for index, article_id in enumerate(ARTICLE_IDS):
        ids.get_by_role("button", name="Add item").click()
        ids.locator("textarea").nth(index).fill(article_id)
    force = _form_field(page, "force").get_by_role("switch")
    force.click()
    expect(force).to_have_attribute("aria-checked", "true")
    for index, article_id in enumerate(ARTICLE_IDS):
        expect(ids.locator("textarea").nth(index)).to_have_value(article_id)
    _form_field(page, "source").evaluate("e => e.scrollIntoView({block: 'start'})")
    settle(page)
    screenshot(page, "ui-3-custom-run-form")

    page.get_by_role("button", name="Submit", exact=True).click()
    # The toast names the new run; its link in the deployment's run list leads to the run's page.
    toast = page.locator(".toast-flow-run-create").first
    run_name = toast.locator(".toast-flow-run-create__message--emphasized").first.inner_text()
    page.get_by_role("link", name=run_name, exact=True).click()
    page.wait_for_url(re.compile(r"/runs/flow-run/[0-9a-f-]{36}"))
    run_id = re.search(r"/runs/flow-run/([0-9a-f-]{36})", page.url).group(1)
    run_url = f"{ui}/runs/flow-run/{run_id}"

    state = page.locator(".page-heading-flow-run__meta .state-badge").first
    deadline = time.monotonic() + RUN_TIMEOUT_MS / 1000
    while (shown := state.inner_text().strip()) not in ("Completed", "Failed", "Crashed", "Cancelled"):
        assert time.monotonic() < deadline, f"the run did not finish; the UI shows {shown!r}"
        page.wait_for_timeout(1000)
    settle(page)
    screenshot(page, "ui-4-run-completed")
    assert shown == "Completed", (folder / "ui.log").read_text()[-3000:]

    page.get_by_text("Artifacts", exact=True).first.click()
    page.get_by_text("clean-articles-report", exact=True).first.click()
    page.get_by_text("Review report", exact=True).first.wait_for()
    settle(page)
    screenshot(page, "ui-5-run-overview-artifact")

    # What the run did to each input: the outcomes table, quarantined first, then published, then filtered out.
    _open_artifact(page, run_url, "clean-articles-outcomes")
    table = page.locator("table").first
    for article_id in ARTICLE_IDS:
        row = table.get_by_role("row").filter(has=page.get_by_role("cell").first.filter(has_text=re.compile(rf"^{article_id}$")))
        expect(row).to_contain_text(re.compile(r"published as version \d"))
    expect(table).to_contain_text("filtered out")
    expect(table).to_contain_text("(all 18 inputs)")
    page.set_viewport_size({"width": 1600, "height": 1000})
    settle(page)
    screenshot(page, "ui-6-outcomes-table")
    page.set_viewport_size({"width": 1400, "height": 1000})

    # The review inside the UI: each removal struck through in place, its category and rule beside it.
    _open_artifact(page, run_url, "clean-articles-removals")
    # (Prefect's Markdown renderer draws ~~text~~ as an element of this class, struck through by its CSS.)
    struck = page.locator(".markdown-renderer__text--del").filter(has_text="HEUTE ABONNIEREN").first
    expect(struck).to_be_visible()
    assert "line-through" in struck.evaluate("e => getComputedStyle(e).textDecorationLine")
    expect(page.locator("code", has_text="newsletter.de-subscribe-button").first).to_be_visible()
    struck.evaluate("e => e.scrollIntoView({block: 'center'})")
    settle(page)
    screenshot(page, "ui-7-removals-artifact")

    # The review report's link opens the report itself, served over HTTP by `make ui`.
    _open_artifact(page, run_url, "clean-articles-review")
    link = page.get_by_role("link", name=f"review-{run_id}.html")
    assert link.get_attribute("href") == f"{reports}/review-{run_id}.html"
    link.click()  # the UI may open it in a new tab: follow either
    page.wait_for_timeout(1500)
    report_page = next((p for p in page.context.pages if p.url.startswith(reports)), None)
    if report_page is None:
        page.goto(link.get_attribute("href"))
        report_page = page
    report_page.wait_for_load_state()
    assert report_page.locator("article.doc").count() == len(ARTICLE_IDS)
    assert report_page.locator('del[data-rule="newsletter.de-subscribe-button"]').count() == 1
    settle(report_page)
    screenshot(report_page, "ui-8-report-over-http")

    store = Store(store_url)
    rows = {row["id"]: row for row in store.rows(articles)}
    assert set(ARTICLE_IDS) <= set(rows)
    assert all(rows[i]["run_id"] == run_id for i in ARTICLE_IDS), "re-cleaned by the run started from the UI"
    assert {e["article_id"]: e["outcome"] for e in store.rows(ledger, run_id=run_id)} == dict.fromkeys(ARTICLE_IDS, "published")
    parameters = json.loads(next(r for r in store.rows(runs) if r["run_id"] == run_id)["parameters"])
    assert parameters["force"] is True and parameters["article_ids"] == ARTICLE_IDS
    assert (folder / "reports" / f"review-{run_id}.html").exists()
