"""Kept apart from core.api: settings name this parser, and DRF reads settings while importing
its views, so this module must not import rest_framework.views."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """JSONParser that answers 400, not 500, to absurdly deep nesting ("[[[[…"): the json
    module raises RecursionError there, which DRF's parser does not catch. Its messages are in
    the reader's language, without the parser's internals."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("The request body is nested too deeply.")) from exc
        except ParseError as exc:
            raise ParseError(_("The request body is not valid JSON.")) from exc
