"""A child's name in pinyin, for the search by initials and the list order. Apart from the
services so that a migration may use it too (it imports no model)."""

from functools import lru_cache

from pypinyin import lazy_pinyin

# Surnames read differently from the same character in ordinary words (曾 is zēng, not céng).
SURNAME_READINGS = {
    "长孙": "zhang sun", "万俟": "mo qi", "尉迟": "yu chi",
    "曾": "zeng", "单": "shan", "仇": "qiu", "区": "ou", "解": "xie", "朴": "piao", "查": "zha",
    "盖": "ge", "乐": "yue", "尉": "yu", "缪": "miao", "翟": "zhai", "覃": "qin", "种": "chong",
    "重": "chong", "员": "yun",
}  # fmt: skip


# The same name is read several times in one batch (an import's check, its file, its match
# keys): the readings of the last few thousand names are kept.
@lru_cache(maxsize=4096)
def name_pinyin(name: str) -> tuple[str, str]:
    """The name's pinyin initials and full pinyin, lower case, as the search and the list order
    read them (Child.name_initials, Child.name_pinyin). Only Chinese characters count: a
    separator or a Latin letter changes neither."""
    for surname, reading in SURNAME_READINGS.items():
        if name.startswith(surname):
            initials, full = _pinyin_plain(name[len(surname) :])
            syllables = reading.split()
            return (
                ("".join(s[0] for s in syllables) + initials)[:64],
                ("".join(syllables) + full)[:256],
            )
    return _pinyin_plain(name)


def _pinyin_plain(name: str) -> tuple[str, str]:
    # A syllable's first letter is what pypinyin's FIRST_LETTER style gives: one reading of
    # the name serves both.
    syllables = [s.lower() for s in lazy_pinyin(name, errors="ignore")]
    return "".join(s[:1] for s in syllables)[:64], "".join(syllables)[:256]
