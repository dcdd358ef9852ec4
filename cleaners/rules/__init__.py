"""Rule packs: TOML data (packs/), loaded and checked (load), matched with bounded patterns (match)
behind a literal gate (gate), CSS selector rules (selectors), and their examples (examples)."""
from .article import ArticleRules
from .load import Rule, RuleError, RuleSet, load_rules

__all__ = ["ArticleRules", "Rule", "RuleError", "RuleSet", "load_rules"]
