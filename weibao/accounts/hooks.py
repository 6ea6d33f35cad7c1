"""What higher apps contribute to the accounts app (registered in their AppConfig.ready())."""

from weibao.core.hooks import Hook

account_audit = Hook(
    "account_audit",
    "f(*, actor, action, obj, changes, note) -> row: write one row of the product's audit "
    "trail for a change to an account or a role, or a sign-in event, inside the change's "
    "transaction (the audit app registers audit.services.audit_record).",
)

account_access_end = Hook(
    "account_access_end",
    "f(*, actor, user) -> dict: end every way `user` is signed in — web sessions, API tokens — "
    "when district staff deactivate the account or reset its password, inside the change's "
    "transaction; returns counts for the audit row (the security app registers it).",
)
