class ConflictError(Exception):
    """The record changed since the user loaded it; saving would overwrite someone's work."""


class Blocked(Exception):
    """A step that cannot be taken yet: a precondition is not met. The message says which, in
    the words the page shows beside the disabled step (409 in the API, with `code`)."""

    def __init__(self, message: str, *, code: str = "blocked") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
