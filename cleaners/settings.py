"""The library's settings: what one article may cost. One object, read from the environment once
per article (`current()`), passed down to the checks in guards.py.

Every limit has a default that no real article comes near (measured on 1,232 benchmark pages: at
most 2.2 MB, 5,000 elements, depth 56) and an environment variable that overrides it; 0 or a negative
value switches a limit off. An input over a limit raises `CleaningError` with the code below, so the
pipeline quarantines it with its reason and the run goes on. The README's settings table is checked
against `SETTINGS` by the tests.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str      # the field of Limits
    env: str       # the environment variable that overrides it
    default: float
    meaning: str
    code: str      # the CleaningError code of an input over it


SETTINGS = (
    Setting("max_input_bytes", "CLEANERS_MAX_INPUT_BYTES", 10_000_000, "input size in bytes", "too_large"),
    Setting("max_elements", "CLEANERS_MAX_ELEMENTS", 50_000, "HTML elements (start tags) of a page", "too_many_elements"),
    Setting("max_depth", "CLEANERS_MAX_DEPTH", 200, "HTML nesting depth", "too_deep"),
    Setting("max_attributes", "CLEANERS_MAX_ATTRIBUTES", 2_000, "attributes of one HTML element", "too_many_attributes"),
    Setting("max_blocks", "CLEANERS_MAX_BLOCKS", 10_000, "blocks of one article", "too_many_blocks"),
    Setting("time_budget", "CLEANERS_TIME_BUDGET_SECONDS", 20.0, "seconds to clean one article", "time_budget"),
    Setting("match_seconds", "CLEANERS_MATCH_SECONDS", 0.5, "seconds for one rule pattern call (then: no match, "
            "reported in `timed_out`)", "-"),
)
DEFAULTS = {s.name: s.default for s in SETTINGS}
ENV = {s.name: s.env for s in SETTINGS}
CODE = {s.name: s.code for s in SETTINGS}  # what guards.py raises for an input over the limit


@dataclass(frozen=True)
class Limits:
    max_input_bytes: int = DEFAULTS["max_input_bytes"]
    max_elements: int = DEFAULTS["max_elements"]
    max_depth: int = DEFAULTS["max_depth"]
    max_attributes: int = DEFAULTS["max_attributes"]
    max_blocks: int = DEFAULTS["max_blocks"]
    time_budget: float = DEFAULTS["time_budget"]
    match_seconds: float = DEFAULTS["match_seconds"]

    @classmethod
    def from_env(cls, environ=None) -> "Limits":
        """The defaults, overridden by the CLEANERS_* environment variables that are set."""
        environ = os.environ if environ is None else environ
        values = {}
        for name, variable in ENV.items():
            raw = environ.get(variable)
            if raw is None or not raw.strip():
                continue
            kind = type(DEFAULTS[name])
            try:
                values[name] = kind(float(raw.replace("_", ""))) if kind is int else float(raw)
            except ValueError:
                raise ValueError(f"{variable}={raw!r}: not a number") from None
        return cls(**values)


def current() -> Limits:
    """The limits in force now (the environment is read at each call, so it can change between runs)."""
    raw = tuple(os.environ.get(variable) for variable in ENV.values())
    limits = _FROM_ENV.get(raw)
    if limits is None:
        limits = _FROM_ENV[raw] = Limits.from_env()
    return limits


_FROM_ENV: dict[tuple, Limits] = {}  # the same settings give the same (frozen) limits
