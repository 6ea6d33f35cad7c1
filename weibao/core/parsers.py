"""Kept apart from core.api: settings name this parser, and DRF reads settings while importing
its views, so this module must not import rest_framework.views."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """JSONParser that answers 400, not 500, to absurdly deep nesting ("[[[[…"): the json
    module raises RecursionError there, which DRF's parser does not catch."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply") from exc
