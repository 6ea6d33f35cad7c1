"""What higher apps contribute to the areas app (registered in their AppConfig.ready())."""

from weibao.core.hooks import Hook

area_audit = Hook(
    "area_audit",
    "f(*, actor, action, obj, changes, note) -> row: write one row of the product's audit "
    "trail for a change to the area tree, inside the change's transaction (the audit app "
    "registers audit.services.audit_record).",
)

area_managers = Hook(
    "area_managers",
    "f(*, actor, district) -> bool: whether `actor` may change the areas of `district` (the "
    "accounts app registers it: district staff of that district, docs/security.md). Every "
    "registered function must agree.",
)

area_close_guards = Hook(
    "area_close_guards",
    "f(*, area) -> None, raising core.exceptions.Blocked (with a code) when something still "
    "lives in the area that closing it would strand: people's roles (accounts), files on the "
    "register (children), open cases (cases), open reports (reports), pending transfers "
    "(transfers). Called by areas.services.area_close inside its transaction.",
)
