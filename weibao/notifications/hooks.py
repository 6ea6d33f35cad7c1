"""What higher apps lend to notification messages (registered in their AppConfig.ready())."""

from weibao.core.hooks import Hook

choice_labels = Hook(
    "choice_labels",
    "f() -> {name: {code: label}}: words for the codes a notification's parameters carry "
    "(the visits app's concern kinds).",
)


def labels(name: str) -> dict:
    """The labels registered under `name` ({} when no app registered them)."""
    merged: dict = {}
    for part in choice_labels.call():
        merged.update(part.get(name, {}))
    return merged
