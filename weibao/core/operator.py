"""Who acts when a `weibao` command changes data on the server."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Operator:
    """Whoever runs a `weibao` command on the server (the install commands, the demo loader).
    They hold the database and the keys already, so a command adds no power they lack; its
    audit rows name the command instead of a user."""

    command: str
    is_authenticated = False
