import datetime as dt
import itertools

from tests.conftest import child_data
from weibao.children import idnumber
from weibao.children.services import GuardianInput, child_create
from weibao.duplicates.models import PossibleDuplicate

BIRTH = dt.date(2015, 6, 1)
_phones = itertools.count(13900000000)
_seq = itertools.count(101)


def id_of(body: str) -> str:
    """A valid ID number from its first 17 characters."""
    return body + idnumber.check_char(body)


def body(
    region: str | None = None, birth: dt.date = BIRTH, seq: str | None = None, sex: str = "M"
) -> str:
    """The first 17 characters of an ID number; unless given, the region and sequence of each
    are several digits apart from every other's, so no two make a typing slip by accident."""
    n = next(_seq)
    region = region or f"31{(n * 1111) % 10000:04d}"
    seq = seq or f"{(n * 222 + (1 if sex == 'M' else 0)) % 1000:03d}"  # odd: a boy
    return f"{region}{birth:%Y%m%d}{seq}"


def register(actor, community, name: str, *, birth=BIRTH, phone: str | None = None, id_number=None,
             sex="M"):  # fmt: skip
    """A child with its own guardian phone unless one is given (no accidental phone match)."""
    phone = phone or str(next(_phones))
    data = child_data(community, name=name, birth_date=birth, sex=sex)
    data["id_number"] = id_number or id_of(body(birth=birth, sex=sex))
    return child_create(
        actor=actor,
        data=data,
        categories=["left_behind"],
        guardians=[GuardianInput(name="家长", relation="mother", phone=phone)],
    )


def pair_of(a, b) -> PossibleDuplicate | None:
    low, high = sorted([a.pk, b.pk])
    return PossibleDuplicate.objects.filter(child_id=low, other_id=high).first()
