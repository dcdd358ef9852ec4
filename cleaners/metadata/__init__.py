"""Metadata: from the page's markup (page), from what was removed (removals), and dates."""
