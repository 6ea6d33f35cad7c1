"""The two 街道 of the source story, by 统计用区划代码: 天山路 and 仙霞新村 (the rest of the demo
district is invented around them)."""

TIANSHAN, XIANXIA = "310105006", "310105008"
