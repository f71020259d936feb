"""Request parsers: DRF's, hardened against hostile JSON."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, answering deeply nested JSON with a 400 instead of a 500.

    DRF catches ``ValueError`` only; nesting a few thousand levels deep makes
    the decoder raise ``RecursionError``.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply") from exc
