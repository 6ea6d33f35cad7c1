"""A choice field's label read from a table, as `obj.get_<field>_display()` gives it.

Django's `get_<field>_display` rebuilds a dict of every choice on each call and hashes each lazy
label, translating it: about a dozen gettext calls per value. A list of 50 rows pays that for
each row and each choice field, in a template (`core_tags.choice_label`) as in an API answer
(`core.api.ChoiceDisplayField`; docs/performance.md, "Where the slow pages' CPU goes" and
"The case team"). The same text, from a table built once per field and language."""

from functools import lru_cache

from django.utils.translation import get_language


@lru_cache(maxsize=512)
def choice_labels(model: type, field_name: str, language: str | None) -> dict:
    """A choice field's labels, translated into `language`: the catalogues do not change while
    the server runs, so each language's words are looked up once per process."""
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


def choice_label(obj, field_name: str):
    """`obj.get_<field_name>_display()`: the label of the value, or the value itself when it is
    not one of the choices."""
    value = getattr(obj, field_name)
    return choice_labels(type(obj), field_name, get_language()).get(value, value)
