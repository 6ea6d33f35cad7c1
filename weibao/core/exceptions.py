class ConflictError(Exception):
    """The record changed since the user loaded it; saving would overwrite someone's work."""
