"""Text typed or uploaded by people: what we refuse before it reaches a query or the database.

Rule: no control characters in any submitted value, except tab, line feed and carriage return
(a note may have several lines). NUL in particular cannot be stored by PostgreSQL ("A string
literal cannot contain NUL"), and no code, name or figure of ours ever contains a control
character, so a value holding one is a mistake or an attack: the field says so in Vietnamese
instead of the page failing.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MSG_CONTROL = _("Có ký tự điều khiển không hợp lệ (ví dụ ký tự NUL): vui lòng nhập lại.")


def has_control_characters(value) -> bool:
    """True if ``value`` (a string, or a list of strings from a multi-valued field) holds a
    control character other than tab and line breaks."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.search(value) is not None
    if isinstance(value, list | tuple):
        return any(has_control_characters(v) for v in value)
    return False


def normalize(text: str) -> str:
    """Text in Unicode NFC: Windows-1258 files and some Mac programs write Vietnamese with
    combining diacritics (“e” + “◌́”), which must match the precomposed “é” stored here."""
    return unicodedata.normalize("NFC", text)


class RejectControlCharacters:
    """Form mixin: every field but file fields refuses control characters before it converts
    the value, so that a field that looks a value up in the database never sends one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field, forms.FileField):
                field.to_python = _guarded(field.to_python)


def _guarded(to_python):
    def guarded(value):
        if has_control_characters(value):
            raise forms.ValidationError(MSG_CONTROL, code="control_characters")
        return to_python(value)

    return guarded


class CodeConverter:
    """URL segment holding a code (period, agency): anything but a slash or a control
    character, so that a NUL typed into an address answers 404 instead of reaching the
    database."""

    regex = "[^/\\x00-\\x1f\\x7f]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CodeConverter, "code")
