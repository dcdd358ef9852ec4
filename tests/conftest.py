"""Fixtures shared by the flow and hostile tests: one Prefect test server for the whole session, and a
store on SQLite and on the local PostgreSQL server. Library tests use none of them (and never import
Prefect: the imports are inside the fixtures)."""
import os
import tempfile
import uuid

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# Review reports of test runs go to a temporary folder, not to data/ in the working tree.
os.environ.setdefault("CLEANERS_REPORT_DIR", tempfile.mkdtemp(prefix="cleaners-reports-"))

POSTGRES_ADMIN = os.environ.get("CLEANERS_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def prefect_server():
    """A Prefect test server for every flow test of the session (started once: about 5 s, more on a
    busy machine)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="session")
def pg_admin():
    """An AUTOCOMMIT engine on the local PostgreSQL server (CLEANERS_TEST_POSTGRES), to create and drop
    databases."""
    import sqlalchemy as sa

    engine = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_database(pg_admin):
    """A fresh database on the local PostgreSQL server, dropped at the end. Never skipped."""
    import sqlalchemy as sa

    from flows.store import forget_engine

    name = f"cleaners_test_{uuid.uuid4().hex[:8]}"
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = pg_admin.url.set(database=name).render_as_string(hide_password=False)
    yield url
    forget_engine(url)
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """A store that starts empty: a new SQLite file, or the PostgreSQL test database emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'articles.db'}"
    from flows.store import Store, meta

    url = request.getfixturevalue("postgres_database")
    with Store(url).engine.begin() as conn:
        for table in reversed(meta.sorted_tables):
            conn.execute(table.delete())
    return url
