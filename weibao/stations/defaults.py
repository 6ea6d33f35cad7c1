"""The default standard a district starts with: the eight items of "八个一" as the source story
states them (docs/domain.md §1; a local practice of 长宁区, so it is data the district changes by
making a new version, never code)."""

import datetime as dt

from weibao.stations.choices import ComputedKind

DEFAULT_NAME = "八个一"
DEFAULT_VERSION = "长宁区 2021"
# The story's stations were built in 2021 (docs/domain.md §1): the default version is in force
# from the start of that year, so every month since has a standard to be measured against.
DEFAULT_STARTS_ON = dt.date(2021, 1, 1)
SOURCE = "长宁区“八个一”建设标准（地方做法）"

# (code, wording, computed evidence)
DEFAULT_ITEMS: list[tuple[str, str, str]] = [
    ("team", "一支工作队伍", ComputedKind.TEAM),
    ("venue", "一个活动场地", ""),
    ("window", "一个服务窗口", ""),
    ("meeting", "一个议事场所", ComputedKind.MEETING),
    ("procedures", "一套制度流程", ""),
    ("ledger", "一本服务台账", ComputedKind.LEDGER),
    ("archive", "一套工作档案", ComputedKind.ARCHIVE),
    ("wall", "一面展示墙", ComputedKind.WALL),
]

# What a district may add for Shanghai's 2025 local service standard (docs/domain.md §1),
# offered on the page where items are added: (code, wording, computed evidence, threshold).
SHANGHAI_2025: list[tuple[str, str, str, int]] = [
    ("sh2025_space", "场地不少于30平方米，设独立心理辅导室", ComputedKind.VENUE, 30),
    (
        "sh2025_team",
        "工作人员不少于5人，含专职站长、法治副站长和具备心理或社会工作资质的专业人员",
        ComputedKind.TEAM_CORE,
        5,
    ),
]
SHANGHAI_2025_SOURCE = "上海市未成年人保护工作站服务规范（2025）"
