from weibao.areas.models import Area


def area_path(area: Area) -> str:
    names = []
    node: Area | None = area
    while node is not None:
        names.append(node.name)
        node = node.parent
    return " › ".join(reversed(names))
