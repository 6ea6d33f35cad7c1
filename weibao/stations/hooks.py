"""The hooks the workstations app offers to the apps above it (docs/architecture.md)."""

from weibao.core.hooks import Hook

meeting_place_facts = Hook(
    "meeting_place_facts",
    """The computed evidence of the meeting place (一个议事场所): called with
    `subdistrict_ids` (a list of 街镇 ids) and `today`; answers a dict from each of those ids to
    (holds: bool, text: str) — whether the 街镇's children's council is at work, in words for
    the coverage grid. Registered by the council app; with nothing registered the evidence
    shows as not available yet.""",
)

wall_panels = Hook(
    "wall_panels",
    """Sections of a station's public display wall (and its poster): called with `station`,
    `today` and `poster` (True on the A3 poster); answers a core.hooks.Panel or None. What a
    panel shows is public: never a child's full name, face without consent, address or school
    (docs/domain.md §9). Registered by the activities, suggestions and inspections apps.""",
)
