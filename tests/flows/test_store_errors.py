"""Every setting that cannot be used is one sentence with the right exit code, never a traceback: store
URLs (dialect, driver, a missing database), the rules directory, the inbox, the environment; and a
SQLite store is whole in its .db file once a run has finished."""
import shutil
import sqlite3

import pytest

from flows import inbox
from flows.__main__ import main
from flows.options import DEFAULT_INBOX, RunOptions
from flows.pipeline import process_batch
from flows.store import Store, StoreUnavailable, StoreURLError, driver_url

SECRET = "s3cret-pw"


@pytest.mark.parametrize("url, driver_url_is", [
    ("postgresql://user@db-host/news", "postgresql+psycopg://user@db-host/news"),  # psycopg2 is not installed
    ("postgres://user@db-host/news", "postgresql+psycopg://user@db-host/news"),    # libpq's spelling
    ("postgresql+psycopg://user@db-host/news", "postgresql+psycopg://user@db-host/news"),
    ("sqlite:///data/articles.db", "sqlite:///data/articles.db"),
])
def test_a_plain_postgresql_url_gets_the_installed_driver(url, driver_url_is):
    assert driver_url(url) == driver_url_is


@pytest.mark.parametrize("url, message", [
    (f"mysql://user:{SECRET}@db-host/news",
     "store mysql://user:***@db-host/news: the store runs on SQLite or PostgreSQL, not 'mysql'; give a URL like "
     "sqlite:///path/to/articles.db or postgresql://user@host:5432/database"),
    (f"postgresql+psycopg2://user:{SECRET}@db-host/news",
     "store postgresql+psycopg2://user:***@db-host/news: its driver 'psycopg2' is not installed; install it "
     "(pip install psycopg2-binary) or leave the driver out (postgresql://...) to use the installed psycopg"),
    ("postgresql+asyncpg://db-host/news",
     "store postgresql+asyncpg://db-host/news: 'asyncpg' is an asyncio driver, which the store cannot use; leave the "
     "driver out (postgresql://...) to use psycopg"),
    ("postgresql+nosuch://db-host/news",
     "store postgresql+nosuch://db-host/news: SQLAlchemy has no driver 'nosuch' for postgresql; leave it out "
     "(postgresql://...) to use psycopg"),
    (f"not a url {SECRET}",
     "the store URL cannot be read; give one like sqlite:///path/to/articles.db or postgresql://user@host:5432/database"),
])
def test_a_store_url_that_cannot_be_used_is_one_sentence_without_its_secret(url, message):
    with pytest.raises(StoreURLError) as error:
        Store(url)
    assert str(error.value) == message


@pytest.mark.postgres
def test_a_plain_postgresql_url_opens_the_store(postgres_database):
    plain = postgres_database.replace("postgresql+psycopg://", "postgresql://", 1)
    assert plain.startswith("postgresql://")
    assert Store(plain).dialect == "postgresql"


@pytest.mark.postgres
def test_a_missing_database_says_how_to_create_it(pg_admin):
    url = pg_admin.url.set(database="cleaners_no_such_db", password=SECRET).render_as_string(hide_password=False)
    host, port, user = pg_admin.url.host, pg_admin.url.port or 5432, pg_admin.url.username
    with pytest.raises(StoreUnavailable) as error:
        Store(url)
    assert str(error.value) == (
        f"store postgresql+psycopg://{user}:***@{host}:{port}/cleaners_no_such_db: database cleaners_no_such_db does "
        f"not exist on {host}:{port}; create it with createdb -h {host} -p {port} -U {user} cleaners_no_such_db")


def _run(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize("argv, code, message", [
    (["--store", f"mysql://u:{SECRET}@h/db"], 2, "store mysql://u:***@h/db: the store runs on SQLite or PostgreSQL"),
    (["--store", "postgresql+psycopg2://h/db"], 2, "its driver 'psycopg2' is not installed; install it (pip install "
                                                   "psycopg2-binary)"),
    (["--inbox", "/no/such/inbox"], 2, "--inbox: /no/such/inbox does not exist"),
])
def test_flows_run_refuses_an_unusable_setting_in_one_line(capsys, tmp_path, argv, code, message):
    argv = ["run", "--store", f"sqlite:///{tmp_path / 'a.db'}", *argv]  # a later --store wins
    done, err = _run(capsys, *argv)
    assert done == code
    assert err.startswith("python -m flows run: error: ") and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err and SECRET not in err


def test_flows_run_refuses_a_rules_dir_without_rule_files(capsys, tmp_path):
    """`--rules-dir .` in a project: its pyproject.toml is no rule pack (it used to be loaded as one,
    changing the rules version and republishing every article)."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    (tmp_path / "empty").mkdir()
    store = f"sqlite:///{tmp_path / 'a.db'}"
    done, err = _run(capsys, "run", "--store", store, "--rules-dir", str(tmp_path))
    assert (done, err) == (2, f"python -m flows run: error: --rules-dir: {tmp_path / 'pyproject.toml'}: not a rule file "
                              "(it has neither a [pack] table nor [[rules]])\n")
    done, err = _run(capsys, "run", "--store", store, "--rules-dir", str(tmp_path / "empty"))
    assert (done, err) == (2, f"python -m flows run: error: --rules-dir: {tmp_path / 'empty'}: no rule files in this "
                              "folder (looked for *.toml and sites/*.toml)\n")


def test_flows_run_names_a_bad_environment_variable(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CLEANERS_TEMPLATE_MIN_ARTICLES", "many")
    done, err = _run(capsys, "run", "--store", f"sqlite:///{tmp_path / 'a.db'}")
    assert done == 2 and err.startswith("python -m flows run: error: CLEANERS_TEMPLATE_MIN_ARTICLES='many': ")


@pytest.mark.postgres
def test_flows_run_on_a_missing_database_exits_1_in_one_line(capsys, pg_admin):
    url = pg_admin.url.set(database="cleaners_no_such_db", password=SECRET).render_as_string(hide_password=False)
    done, err = _run(capsys, "run", "--store", url)
    assert done == 1 and "database cleaners_no_such_db does not exist on " in err and "create it with createdb" in err
    assert err.count("\n") == 1 and SECRET not in err


def test_after_a_run_the_sqlite_file_alone_holds_the_store(tmp_path):
    """SQLite keeps recent writes in the -wal file beside the .db; a finished run moves them in, so
    the .db file copied alone has every table and row."""
    url = f"sqlite:///{tmp_path / 'articles.db'}"
    store = Store(url)
    store.start_run("run-1", {})
    store.publish("run-1", process_batch(inbox.scan(DEFAULT_INBOX), RunOptions(store_url=url)))
    store.finish_run("run-1", {"published": 10})
    shutil.copy(tmp_path / "articles.db", tmp_path / "copy.db")  # the engine is still open: no close-time checkpoint
    copy = sqlite3.connect(tmp_path / "copy.db")
    try:
        assert copy.execute("select count(*) from articles").fetchone() == (10,)
        assert copy.execute("select count(*) from quarantine").fetchone() == (8,)
        assert copy.execute("select summary from runs where run_id = 'run-1'").fetchone() == ('{"published": 10}',)
    finally:
        copy.close()
