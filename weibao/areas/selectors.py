from weibao.areas.models import Area


def area_path(area: Area) -> str:
    names = []
    node: Area | None = area
    while node is not None:
        names.append(node.name)
        node = node.parent
    return " › ".join(reversed(names))


def district_of(area: Area) -> Area:
    """The district an area lies in (itself for a district)."""
    node = area
    while node.parent_id is not None:
        node = node.parent
    return node
