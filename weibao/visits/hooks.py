"""What higher apps contribute to the visits app (registered in their AppConfig.ready())."""

from weibao.core.hooks import Hook

concern_page_panels = Hook(
    "concern_page_panels",
    "f(request, concern) -> Panel: a section of a concern's page below its handling (the "
    "reports app's mandatory report made of it, or the button to make one), in hook order.",
)
