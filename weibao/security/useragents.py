"""A browser's User-Agent in a few words ("Chrome · Android"), for the list of signed-in
devices. Approximate on purpose: it helps a person recognise their own phone, nothing more."""

# Checked in order: the first name found in the string wins (Edge and WeChat also say Chrome,
# Chrome also says Safari).
BROWSERS = [
    ("MicroMessenger", "WeChat"),
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("python", "Python"),
]
SYSTEMS = [
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("HarmonyOS", "HarmonyOS"),
    ("Linux", "Linux"),
]


def _first(text: str, table: list[tuple[str, str]]) -> str:
    lowered = text.lower()
    return next((name for needle, name in table if needle.lower() in lowered), "")


def summarise(user_agent: str) -> str:
    parts = [_first(user_agent, BROWSERS), _first(user_agent, SYSTEMS)]
    return " · ".join(p for p in parts if p) or user_agent[:60]
