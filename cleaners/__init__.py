"""cleaners: strip junk from scraped articles and explain every removal.

    from cleaners import clean_html, clean_text
    result = clean_text(text, url="https://example.com/a")
    result.text, result.removals, result.metadata

Needs neither Prefect nor pandera nor a database.
"""
from .api import clean_html, clean_text, rule_catalogue
from .boilerplate import fingerprints, strip_templates
from .errors import CleaningError
from .model import CATEGORIES, CleanResult, Metadata, Removal
from .rules.load import RuleError, RuleSet, load_rules

__version__ = "0.1.0"
__all__ = [
    "CATEGORIES", "CleanResult", "CleaningError", "Metadata", "Removal", "RuleError", "RuleSet",
    "clean_html", "clean_text", "fingerprints", "load_rules", "rule_catalogue", "strip_templates", "__version__",
]
