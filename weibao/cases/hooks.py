"""What the apps above cases (the service ledger, referrals, emergency protection) add to a
case and to the case part of a child's file. Registered in their AppConfig.ready(); the
timeline's own hook is cases.timeline.timeline_families."""

from weibao.core.hooks import Hook

case_page_panels = Hook(
    "case_page_panels",
    "f() -> template name: a section of the case page, rendered with the page's context "
    "(case, case_roles, user, request), in hook order.",
)
case_close_guards = Hook(
    "case_close_guards",
    "f(case) -> None, raising core.exceptions.Blocked (a message and a code) when the case may "
    "not close yet: a referral without an outcome, no service recorded. Each decides whether "
    "a case closing for no protection need (blockers.closes_without_services) is excused. "
    "Called when closing is requested, when it is approved, and for the case page.",
)
child_panel_parts = Hook(
    "child_panel_parts",
    "f(user, child, cases) -> dict: what the case part of a child's file shows beside the "
    "cases (the latest services, the temporary guardianship). `cases` are the child's cases "
    "this user sees (cases.selectors.child_cases_for_user): a part made of records of the "
    "cases the user sees has nothing to show when it is empty, and need not ask.",
)
