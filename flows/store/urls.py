"""Store URLs: which one a run uses, and how one is shown without its secrets."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import sqlalchemy as sa
from pydantic import SecretStr

from ..settings import FlowSettings, env_name

STORE_URL_ENV = env_name("store_url")
# Query parameters whose value is a secret (password, sslpassword, passfile, token, api_key, sslkey, ...):
# masking a harmless one costs nothing, showing a secret one is a leak.
_SECRET_PARAMETER = re.compile(r"pass|pwd|secret|token|key|auth|cred", re.IGNORECASE)
MASK = "***"


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
