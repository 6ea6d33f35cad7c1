"""Django's own messages whose Chinese reads badly to a 儿童主任 ("确保该变量包含不超过 200
字符" speaks of a "variable"), or is missing. Written out here so that `make messages` puts
them in our catalogue, which Django consults before its own; the texts must stay exactly
Django's."""

from django.utils.translation import ngettext_lazy

DJANGO_MESSAGES = [
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    # Django 5.2 rewrote this message and its Chinese catalogue has not caught up.
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
]
