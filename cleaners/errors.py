"""The one exception the library raises for input it cannot clean."""


class CleaningError(ValueError):
    """Input that cannot be cleaned. `code` is a short machine-readable reason (for quarantine)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
