"""What the apps above reports add to them (registered in their AppConfig.ready()): the case
work a report is handed to, and the short-interval checks the clocks job runs besides the
report clocks."""

from weibao.core.hooks import Hook

open_case_of_child = Hook(
    "open_case_of_child", "f(child) -> the child's open case, or None (the cases app)."
)
case_visible = Hook(
    "case_visible", "f(user, case_id) -> True when the user may see that case (the cases app)."
)
case_for_report = Hook(
    "case_for_report",
    "f(*, actor, report, owner) -> (case, attached): the case that will handle the report — "
    "the child's open case (attached=True) or a new one — with the case's own audit row "
    "written (the cases app). Called inside report_open_case's transaction.",
)
clock_checks = Hook(
    "clock_checks",
    "f(now) -> {name: count}: a check run by the clocks job after the report clocks (the "
    "protection one-year alert, referrals not answered in time).",
)
hidden_reports = Hook(
    "hidden_reports",
    "f(user) -> Q | None: reports in the user's areas they may still not see — those handed "
    "to a restricted case they are not on (the cases app).",
)
