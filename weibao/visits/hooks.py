"""What higher apps contribute to the visits app (registered in their AppConfig.ready())."""

from weibao.core.hooks import Hook

concern_page_panels = Hook(
    "concern_page_panels",
    "f(request, concern) -> Panel: a section of a concern's page below its handling (the "
    "reports app's mandatory report made of it, or the button to make one), in hook order.",
)

daily_checks = Hook(
    "daily_checks",
    "f(today) -> {name: count}: a check the daily job runs after its own work (the audit "
    "chain's verification), its counts printed and kept in the job's audit row.",
)
