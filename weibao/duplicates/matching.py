"""How two children are told apart, or not (docs/domain.md §10): the keys a child is matched by,
and the reasons a pair is a possible duplicate. Pure functions, no model: the services keep the
keys, the import's dry run computes the same keys for a row.

Every key joins two independent signals — a name and a birth date, a guardian's phone and a
birth date, a guardian's phone and a name — because one signal alone is not a duplicate: names
repeat, siblings share a phone, and children born on the same day in the same county have ID
numbers a digit apart. The keys are keyed hashes (core.crypto.lookup_hash), so the table holds
no phone, name or birth date in clear."""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from weibao.children import idnumber
from weibao.children.pinyin import name_pinyin
from weibao.core import crypto
from weibao.core.text import normalize_name

# Look-alike characters (形近字) that are confused when a name is copied from a handwritten
# register: each group is read as its first character. Characters that sound alike (同音字) need
# no table — they share their pinyin. Groups are disjoint: a character is in one group at most.
LOOK_ALIKE_GROUPS = (
    "王玉主", "未末", "己已巳", "戊戌戍", "日曰", "人入八", "土士", "天夭", "大太犬", "析折",
    "刁刀", "贝见", "兔免", "鸟乌马", "仑仓", "宇字", "佳住", "晨晟", "钰钮", "怡恰", "昊吴",
    "晗哈", "悦说", "冰水", "汐夕", "轩轼", "子孑孓", "千干于", "申由甲田", "昕听", "淼森",
    "思恩", "侯候", "茜茵", "琳淋", "杨扬", "浩皓", "婷停", "娟绢", "雯雪", "欣忻", "萍苹",
    "凤风", "彬杉", "烁铄", "璐潞", "萱宣",
)  # fmt: skip
LOOK_ALIKE = {ch: group[0] for group in LOOK_ALIKE_GROUPS for ch in group[1:]}


class Reason:
    """Why a pair is a possible duplicate; stored as these codes, shown with REASON_LABELS."""

    SAME_NAME = "same_name"
    HOMOPHONE = "homophone"
    LOOK_ALIKE = "look_alike"
    SAME_BIRTH = "same_birth"
    PHONE = "phone"
    ID_ONE_DIGIT = "id_one_digit"
    ID_TRANSPOSED = "id_transposed"


REASON_LABELS = {
    Reason.SAME_NAME: _("same name"),
    Reason.HOMOPHONE: _("names that sound the same"),
    Reason.LOOK_ALIKE: _("names with look-alike characters"),
    Reason.SAME_BIRTH: _("same birth date"),
    Reason.PHONE: _("a guardian's phone in common"),
    Reason.ID_ONE_DIGIT: _("ID numbers one digit apart"),
    Reason.ID_TRANSPOSED: _("ID numbers with two neighbouring digits swapped"),
}
# How much each reason weighs in the score (0–100) that orders the list.
WEIGHTS = {
    Reason.SAME_NAME: 40,
    Reason.HOMOPHONE: 30,
    Reason.LOOK_ALIKE: 25,
    Reason.SAME_BIRTH: 20,
    Reason.PHONE: 30,
    Reason.ID_ONE_DIGIT: 30,
    Reason.ID_TRANSPOSED: 30,
}

# The kinds of key. The letter is stored with the key so the reasons can be told from it.
NAME_BIRTH = "n"  # the name's pinyin and the birth date
GLYPH_BIRTH = "g"  # the pinyin of the name read through LOOK_ALIKE, and the birth date
PHONE_BIRTH = "b"  # a guardian's phone and the birth date
PHONE_NAME = "p"  # a guardian's phone and the name's pinyin
PHONE_GLYPH = "q"  # a guardian's phone and the look-alike reading of the name


@dataclass(frozen=True)
class Identity:
    """What a child (or a row of an import) is matched by."""

    name: str
    birth_date: dt.date | None
    phones: tuple[str, ...] = ()  # normalised (core.crypto.normalize_phone)
    id_number: str = ""  # normalised (children.idnumber.normalize); "" when unknown


def glyph_name(name: str) -> str:
    return "".join(LOOK_ALIKE.get(ch, ch) for ch in normalize_name(name or ""))


def spoken(name: str) -> str:
    """The name's full pinyin without tones (children.pinyin): homophones read the same. The
    pinyin leaves out what is not a Chinese character; letters and digits are kept after it,
    lower case, so that "Anna" and "Maria" are not both "" and alike."""
    name = normalize_name(name or "")
    rest = "".join(ch.lower() for ch in name if ch.isascii() and ch.isalnum())
    said = name_pinyin(name)[1]
    return f"{said}/{rest}" if rest else said


# A key's digest: the first 16 hex digits (64 bits) of its keyed hash. A key only proposes a
# pair — reasons_between then compares the two files themselves — and two different keys of one
# district share 64 bits about once in a million of the largest districts' registries, so the
# full 256 bits would buy nothing but an index three times the size, whose random inserts are a
# large part of an import's commit (docs/performance.md, "Spreadsheet import").
DIGEST_LENGTH = 16


def _digest(kind: str, value: str) -> str:
    return crypto.lookup_hash(f"dup:{kind}:{value}")[:DIGEST_LENGTH]


# The kind of key whose text a look-alike key's text is when read as a name.
_READ_AS = {GLYPH_BIRTH: NAME_BIRTH, PHONE_GLYPH: PHONE_NAME}


@dataclass(frozen=True)
class Keys:
    """(kind, keyed hash) pairs: those an identity is stored with, and those to look up."""

    stored: frozenset[tuple[str, str]]
    probes: frozenset[tuple[str, str]]


def keys_of(identity: Identity) -> Keys:
    """The keys of this identity.

    Stored: a look-alike key only when the name has a look-alike character. For most names
    the look-alike reading is the name itself, and its keys would only repeat the name keys:
    three keys for a child with a guardian's phone instead of five.

    Looked up (probes): a registered child shares one of them when their names read the same,
    or read the same through the look-alike characters, with the same birth date or a
    guardian's phone in common. A look-alike reading that differs from the name is looked up
    twice: as a look-alike key (a child whose name has a look-alike character, or whose keys
    were written before the repeated ones were left out), and as a name key (a child whose
    name is that reading). The kind answered is what was compared: a name key found by the
    look-alike reading counts as a look-alike match."""
    said = spoken(identity.name)
    looked = spoken(glyph_name(identity.name))
    birth = identity.birth_date.isoformat() if identity.birth_date else ""
    raw: list[tuple[str, str]] = []
    if said and birth:
        raw += [(NAME_BIRTH, f"{said}|{birth}"), (GLYPH_BIRTH, f"{looked}|{birth}")]
    for phone in identity.phones:
        if not phone:
            continue
        if birth:
            raw.append((PHONE_BIRTH, f"{phone}|{birth}"))
        if said:
            raw += [(PHONE_NAME, f"{phone}|{said}"), (PHONE_GLYPH, f"{phone}|{looked}")]
    own = {(kind, _digest(kind, value)) for kind, value in raw}
    if looked == said:
        stored = {(kind, digest) for kind, digest in own if kind not in _READ_AS}
        return Keys(stored=frozenset(stored), probes=frozenset(own))
    read = {(kind, _digest(_READ_AS[kind], value)) for kind, value in raw if kind in _READ_AS}
    return Keys(stored=frozenset(own), probes=frozenset(own | read))


def id_slip(a: str, b: str) -> str | None:
    """The typing slip between two ID numbers, if they differ by exactly one in their first 17
    characters (the check character follows from them): one character changed, or two
    neighbouring characters swapped. None when they are equal, unknown or further apart."""
    a, b = idnumber.normalize(a)[:17], idnumber.normalize(b)[:17]
    if len(a) != 17 or len(b) != 17 or a == b:
        return None
    differ = [i for i in range(17) if a[i] != b[i]]
    if len(differ) == 1:
        return Reason.ID_ONE_DIGIT
    if len(differ) == 2 and differ[1] == differ[0] + 1:
        i, j = differ
        if a[i] == b[j] and a[j] == b[i]:
            return Reason.ID_TRANSPOSED
    return None


def reasons_between(one: Identity, other: Identity, matched_kinds: set[str]) -> list[str]:
    """Why `one` and `other` may be the same child, given the kinds of key they share; [] when
    they are not a possible duplicate (the keys matched by accident of a hash, never in
    practice, or not at all)."""
    reasons: list[str] = []
    if normalize_name(one.name) == normalize_name(other.name):
        name_alike = Reason.SAME_NAME
    elif spoken(one.name) and spoken(one.name) == spoken(other.name):
        name_alike = Reason.HOMOPHONE
    elif spoken(glyph_name(one.name)) == spoken(glyph_name(other.name)):
        name_alike = Reason.LOOK_ALIKE
    else:
        name_alike = None
    same_birth = one.birth_date is not None and one.birth_date == other.birth_date
    phone = bool(matched_kinds & {PHONE_BIRTH, PHONE_NAME, PHONE_GLYPH})
    # Two signals at least (the module's docstring).
    if not ((name_alike and same_birth) or (phone and (same_birth or name_alike))):
        return []
    if name_alike:
        reasons.append(name_alike)
    if same_birth:
        reasons.append(Reason.SAME_BIRTH)
    if phone:
        reasons.append(Reason.PHONE)
    slip = id_slip(one.id_number, other.id_number)
    if slip:
        reasons.append(slip)
    return reasons


def score(reasons: list[str]) -> int:
    return min(100, sum(WEIGHTS.get(r, 0) for r in reasons))
