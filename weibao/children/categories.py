"""Categories of children tracked (docs/domain.md §3). A child can be in several.

The sources are national policy (民政部 困境儿童 and 留守儿童 guidance, 未保法) and Shanghai's
regulation on minor protection (2022) Art. 75 for 监护缺失; Shanghai counts orphans, migrant
children in difficulty and left-behind children among 困境儿童 too.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    ECONOMIC_HARDSHIP = "economic_hardship", _("Family in economic hardship")
    DISABILITY = "disability", _("Child with a disability")
    GUARDIANSHIP_MISSING = "guardianship_missing", _("Lacking guardianship")
    GUARDIANSHIP_IMPROPER = "guardianship_improper", _("Improper guardianship")
    ORPHAN = "orphan", _("Orphan")
    DE_FACTO_UNSUPPORTED = "de_facto_unsupported", _("De facto unsupported child")
    LEFT_BEHIND = "left_behind", _("Left-behind child")
    MIGRANT_HARDSHIP = "migrant_hardship", _("Migrant child in difficulty")
    AUTISM = "autism", _("Child with autism")
    SERIOUS_ILLNESS = "serious_illness", _("Seriously ill child")


# 困境儿童 as Shanghai counts them: the four national sub-types plus orphans, migrant children in
# difficulty and left-behind children. Used for the "children in difficulty" total and filter.
IN_DIFFICULTY = frozenset(
    {
        Category.ECONOMIC_HARDSHIP,
        Category.DISABILITY,
        Category.GUARDIANSHIP_MISSING,
        Category.GUARDIANSHIP_IMPROPER,
        Category.ORPHAN,
        Category.DE_FACTO_UNSUPPORTED,
        Category.MIGRANT_HARDSHIP,
        Category.LEFT_BEHIND,
    }
)
IN_DIFFICULTY_FILTER = "in_difficulty"


# Each category's bit in Child.category_bits, fixed once given (the stored values depend on it:
# a new category takes the next free bit, a retired one keeps its bit unused).
CATEGORY_BITS = {
    Category.ECONOMIC_HARDSHIP: 1 << 0,
    Category.DISABILITY: 1 << 1,
    Category.GUARDIANSHIP_MISSING: 1 << 2,
    Category.GUARDIANSHIP_IMPROPER: 1 << 3,
    Category.ORPHAN: 1 << 4,
    Category.DE_FACTO_UNSUPPORTED: 1 << 5,
    Category.LEFT_BEHIND: 1 << 6,
    Category.MIGRANT_HARDSHIP: 1 << 7,
    Category.AUTISM: 1 << 8,
    Category.SERIOUS_ILLNESS: 1 << 9,
}


def category_bits(categories) -> int:
    """The bits of these category codes (Child.category_bits)."""
    bits = 0
    for code in categories:
        bits |= CATEGORY_BITS[code]
    return bits
