"""The source of an article: the registered domain of its URL."""
from __future__ import annotations

from functools import lru_cache

import tldextract

# The bundled public-suffix snapshot only: nothing is fetched at run time.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=4096)
def registered_domain(url: str | None) -> str | None:
    """'https://www.spiegel.de/x' -> 'spiegel.de'; None when the URL has no domain."""
    if not url:
        return None
    parts = _EXTRACT(url)
    domain = parts.top_domain_under_public_suffix if hasattr(parts, "top_domain_under_public_suffix") else parts.registered_domain
    return domain.lower() or None
