"""Store URLs: which one a run uses, and how one is shown without its secrets."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import sqlalchemy as sa
from pydantic import SecretStr

from ..settings import FlowSettings, env_name

STORE_URL_ENV = env_name("store_url")
# The databases the store is written for, and the driver each uses when the URL names none: plain
# `postgresql://` would mean psycopg2 to SQLAlchemy, which is not installed (psycopg 3 is).
DEFAULT_DRIVERS = {"sqlite": "", "postgresql": "psycopg"}  # "": the dialect's own default (sqlite3)
ALIASES = {"postgres": "postgresql"}  # libpq's (and many platforms') name for it
# pip packages of the drivers SQLAlchemy knows by another module name.
DRIVER_PACKAGES = {"psycopg2": "psycopg2-binary", "psycopg": "psycopg[binary]"}
EXAMPLES = "sqlite:///path/to/articles.db or postgresql://user@host:5432/database"
# Query parameters whose value is a secret (password, sslpassword, passfile, token, api_key, sslkey, ...):
# masking a harmless one costs nothing, showing a secret one is a leak.
_SECRET_PARAMETER = re.compile(r"pass|pwd|secret|token|key|auth|cred", re.IGNORECASE)
MASK = "***"


class StoreURLError(ValueError):
    """A store URL the store cannot use: unreadable, a database other than SQLite or PostgreSQL, or a
    driver that is not installed. A setting to correct, not a store that is down."""


def driver_url(url: str) -> str:
    """The URL the engine is created with: a plain `postgresql://` (or `postgres://`) gets the installed
    psycopg 3 driver. Raises StoreURLError, in one sentence without the URL's secrets, for anything the
    store cannot open: checked here, so that no driver's ImportError or plugin error reaches the user."""
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        raise StoreURLError(f"the store URL cannot be read; give one like {EXAMPLES}") from None
    name, _, driver = parsed.drivername.partition("+")
    name = ALIASES.get(name, name)
    if name not in DEFAULT_DRIVERS:
        raise StoreURLError(f"store {safe_url(url)}: the store runs on SQLite or PostgreSQL, not {name!r}; "
                            f"give a URL like {EXAMPLES}")
    driver = driver or DEFAULT_DRIVERS[name]
    drivername = f"{name}+{driver}" if driver else name
    default = DEFAULT_DRIVERS[name] or "Python's sqlite3"
    try:
        dialect = parsed.set(drivername=drivername).get_dialect()
        dialect.import_dbapi()
    except sa.exc.NoSuchModuleError:
        raise StoreURLError(f"store {safe_url(url)}: SQLAlchemy has no driver {driver!r} for {name}; "
                            f"leave it out ({name}://...) to use {default}") from None
    except ImportError as exc:
        module = exc.name or driver
        raise StoreURLError(f"store {safe_url(url)}: its driver {module!r} is not installed; install it "
                            f"(pip install {DRIVER_PACKAGES.get(module, module)}) or leave the driver out "
                            f"({name}://...) to use the installed {default}") from None
    if getattr(dialect, "is_async", False):
        raise StoreURLError(f"store {safe_url(url)}: {driver!r} is an asyncio driver, which the store cannot use; "
                            f"leave the driver out ({name}://...) to use {default}")
    if drivername == parsed.drivername:
        return url
    return parsed.set(drivername=drivername).render_as_string(hide_password=False)


def resolve_url(url: str | SecretStr | None = None, settings: FlowSettings | None = None) -> str:
    """The store URL: the one given, else the settings' (CLEANERS_STORE_URL, else the SQLite file in
    ./data). Without settings they are read now: for callers outside a run (tests, scripts)."""
    if isinstance(url, SecretStr):
        url = url.get_secret_value()
    return url or (settings or FlowSettings.read()).store_url.get_secret_value()


def safe_url(url: str) -> str:
    """The URL with every secret masked, for messages, logs, the runs table and artifacts."""
    masked, _ = _masked(url)
    if masked is None:
        return "(a store URL that cannot be parsed)"
    shown = masked.set(query={}).render_as_string(hide_password=True)
    return f"{shown}?{urlencode(masked.query, doseq=True, safe=MASK)}" if masked.query else shown


def scrubbed(text: str, url: str) -> str:
    """A driver's message with every secret of the URL masked (it may repeat a host or an option)."""
    for secret in sorted(_masked(url)[1], key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def _masked(url: str) -> tuple[sa.URL | None, list[str]]:
    """The URL as SQLAlchemy reads it, its host and query secrets masked (render it with hide_password
    for the password), and the secrets: the password (with or without a user name), the rest of a
    password with an unescaped "@" (SQLAlchemy takes that for part of the host), and the values of
    query parameters named like a secret. (None, [url]) for a URL SQLAlchemy cannot read."""
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        return None, [url]
    secrets = [parsed.password] if parsed.password else []
    host = parsed.host
    if host and "@" in host:
        rest, host = host.rsplit("@", 1)
        secrets.append(rest)
        host = f"{MASK}@{host}"
    query = {}
    for key, value in parsed.query.items():
        if _SECRET_PARAMETER.search(key):
            secrets.extend([value] if isinstance(value, str) else value)
            value = MASK
        query[key] = value
    return parsed.set(host=host, query=query), [s for s in secrets if s]
