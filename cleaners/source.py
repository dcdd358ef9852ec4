"""The source of an article: the site its URL belongs to, one tenant of a shared host counting as one site."""
from __future__ import annotations

from functools import lru_cache

import tldextract

# Hosts that give every tenant a subdomain of their own but are not in the public-suffix list (the
# list's private section already has blogspot.com, github.io, netlify.app and the like).
TENANT_HOSTS = ("substack.com", "wordpress.com", "tumblr.com", "ghost.io", "beehiiv.com")

# The bundled public-suffix snapshot only (nothing is fetched at run time), with its private section:
# without it every alice.blogspot.com and bob.blogspot.com would be one source, and one tenant's posts
# would count towards another's template memory and rule packs.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True,
                                 extra_suffixes=TENANT_HOSTS)


@lru_cache(maxsize=4096)
def registered_domain(url: str | None) -> str | None:
    """'https://www.spiegel.de/x' -> 'spiegel.de', 'https://alice.blogspot.com/x' -> 'alice.blogspot.com';
    None when the URL has no domain (the shared host's own pages included)."""
    if not url:
        return None
    parts = _EXTRACT(url)
    domain = parts.top_domain_under_public_suffix if hasattr(parts, "top_domain_under_public_suffix") else parts.registered_domain
    return domain.lower() or None


def same_site(source: str, site: str) -> bool:
    """Is `source` the site, or a part of it ('blog.example.com' of 'example.com')?"""
    return source == site or source.endswith("." + site)
