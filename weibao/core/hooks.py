"""Hooks: how a lower app lets a higher one take part without importing it.

Apps depend downwards only (docs/architecture.md). When a lower app must let a higher one react
or contribute — a child is registered and the visits app schedules the first visit; a case page
shows the service ledger's records — the lower app declares a Hook, the higher app registers a
function on it in its AppConfig.ready(), and the lower app calls the hook. The registrations are
plain code, listed in each app's apps.py, so a reader finds every participant in one place."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


class Hook:
    """A named, ordered list of functions. `order` sorts them (lower first); equal orders keep
    the order of registration."""

    def __init__(self, name: str, doc: str = "") -> None:
        self.name = name
        self.__doc__ = doc
        self._entries: list[tuple[int, int, Callable[..., Any]]] = []

    def register(self, function: Callable[..., Any], *, order: int = 100) -> Callable[..., Any]:
        if all(entry[2] is not function for entry in self._entries):
            self._entries.append((order, len(self._entries), function))
            self._entries.sort(key=lambda entry: entry[:2])
        return function

    def __iter__(self) -> Iterator[Callable[..., Any]]:
        return iter([entry[2] for entry in self._entries])

    def __len__(self) -> int:
        return len(self._entries)

    def call(self, *args: Any, **kwargs: Any) -> list[Any]:
        """Every function's answer, in order."""
        return [function(*args, **kwargs) for function in self]

    def first(self, *args: Any, **kwargs: Any) -> Any:
        """The first answer that is not None (None when there is none)."""
        for function in self:
            answer = function(*args, **kwargs)
            if answer is not None:
                return answer
        return None

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self)} registered>"


@dataclass(frozen=True)
class Panel:
    """A section a higher app adds to a lower app's page: its template, rendered with the
    page's context plus `context` (whose names must not clash with the page's or another
    panel's)."""

    template: str
    context: dict


def with_panels(context: dict, panels: list[Panel], name: str) -> dict:
    """The page's context with its panels' names added and `name` listing their templates, in
    order, for `{% for panel in <name> %}{% include panel %}{% endfor %}`."""
    for panel in panels:
        context.update(panel.context)
    context[name] = [panel.template for panel in panels]
    return context
