"""The fields a register's columns map to, and the guess of the mapping from the headers (and
from the uploader's last mapping)."""

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Target:
    key: str
    label: Promise
    synonyms: tuple[str, ...]  # header texts (normalised) that name this field
    required: bool = False


TARGETS: tuple[Target, ...] = (
    Target("name", _("name"), ("姓名", "儿童姓名", "名字", "name"), required=True),
    Target(
        "id_number",
        _("ID number"),
        ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证", "idnumber"),
        required=True,
    ),
    Target("sex", _("sex"), ("性别", "sex")),
    Target("birth_date", _("birth date"), ("出生日期", "出生年月日", "生日", "birthdate")),
    Target("ethnicity", _("ethnicity"), ("民族", "ethnicity")),
    Target(
        "hukou_type",
        _("household registration type"),
        ("户籍类型", "户口类型", "户籍性质", "户口性质"),
    ),
    Target(
        "hukou_place",
        _("household registration place"),
        ("户籍地", "户籍所在地", "户籍地址", "户口所在地"),
    ),
    Target(
        "address",
        _("home address"),
        ("居住地址", "现居住地址", "家庭住址", "住址", "现住址", "address"),
    ),
    Target("categories", _("categories"), ("类别", "儿童类别", "类型", "分类", "categories")),
    Target("guardian_name", _("guardian"), ("监护人", "监护人姓名", "guardian")),
    Target(
        "guardian_relation", _("relation"), ("与儿童关系", "监护人关系", "关系", "与监护人关系")
    ),
    Target(
        "guardian_phone", _("phone"), ("联系电话", "监护人电话", "电话", "手机", "手机号", "phone")
    ),
    Target(
        "community",
        _("residential area"),
        ("居民区", "居委", "居委会", "所属居民区", "社区", "村居"),
    ),
    Target("school", _("school"), ("学校", "就读学校", "school")),
)
TARGET_KEYS = tuple(t.key for t in TARGETS)


def normalise_header(text: str) -> str:
    return re.sub(r"[\s:：*()（）_\-]", "", str(text or "")).lower()


def guess_mapping(headers: list[str], remembered: dict[str, str] | None = None) -> dict[str, int]:
    """target → column index: the uploader's last mapping where its header is in this file,
    else the first header that names the field. A column is used for one field only."""
    normalised = [normalise_header(h) for h in headers]
    result: dict[str, int] = {}
    used: set[int] = set()
    for key, header in (remembered or {}).items():
        wanted = normalise_header(header)
        if key in TARGET_KEYS and wanted in normalised:
            index = normalised.index(wanted)
            if index not in used:
                result[key] = index
                used.add(index)
    for target in TARGETS:
        if target.key in result:
            continue
        for synonym in target.synonyms:
            wanted = normalise_header(synonym)
            if wanted in normalised and normalised.index(wanted) not in used:
                result[target.key] = normalised.index(wanted)
                used.add(result[target.key])
                break
    return result
