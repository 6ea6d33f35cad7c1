"""A small explicit state machine: each workflow lists its transitions in one table, and every
service that changes a state asks the table first. The tables are the single place where the
question "who may do what, from which state" is answered, and the tests walk every cell."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    label: str = ""


class StateMachine:
    def __init__(self, name: str, states: Iterable[str], transitions: Iterable[Transition]):
        self.name = name
        self.states = tuple(states)
        self.transitions = {t.name: t for t in transitions}
        for t in self.transitions.values():
            unknown = (t.sources | {t.target}) - set(self.states)
            assert not unknown, f"{name}.{t.name}: unknown states {unknown}"

    def get(self, name: str) -> Transition:
        return self.transitions[name]

    def is_allowed(self, name: str, state: str, roles: Iterable[str]) -> bool:
        t = self.transitions[name]
        return state in t.sources and bool(t.roles & set(roles))

    def check(self, name: str, state: str, roles: Iterable[str]) -> Transition:
        """The transition, or PermissionDenied (the user's roles may not take it) or a
        ValidationError on "state" (not possible from the current state)."""
        t = self.transitions[name]
        if not t.roles & set(roles):
            raise PermissionDenied
        if state not in t.sources:
            raise ValidationError(
                {"state": [_("This action is not possible in the current state.")]},
                code="invalid_transition",
            )
        return t

    def available(self, state: str, roles: Iterable[str]) -> list[Transition]:
        """The transitions this user could take now (for buttons)."""
        roles = set(roles)
        return [t for t in self.transitions.values() if state in t.sources and t.roles & roles]
