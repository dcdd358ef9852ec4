"""Flow tests share one Prefect test server for the whole session, and run on SQLite and PostgreSQL."""
import os
import tempfile
import uuid

import pytest
import sqlalchemy as sa

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# Review reports of test runs go to a temporary folder, not to data/ in the working tree.
os.environ.setdefault("CLEANERS_REPORT_DIR", tempfile.mkdtemp(prefix="cleaners-reports-"))

POSTGRES_ADMIN = os.environ.get("CLEANERS_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def prefect_server():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="session")
def postgres_database():
    """A fresh database on the local PostgreSQL server, dropped at the end. Never skipped."""
    name = f"cleaners_test_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    yield url
    from flows import store

    if url in store._ENGINES:
        store._ENGINES.pop(url).dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A store that starts empty: a new SQLite file, or the PostgreSQL test database emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'articles.db'}"
    url = request.getfixturevalue("postgres_database")
    from flows.store import Store, meta

    engine = Store(url).engine
    with engine.begin() as conn:
        for table in reversed(meta.sorted_tables):
            conn.execute(table.delete())
    return url
