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


def area_is_closed(area: Area) -> bool:
    """Whether `area` is closed now, read from the table (not from an object that may be
    older than the closing): a service's check before taking it as a new value (§1.16)."""
    return Area.objects.filter(pk=area.pk, closed_at__isnull=False).exists()
