from __future__ import annotations

import re


# PostgreSQL's text refuses NUL (SQLSTATE 22021): input models refuse it as the field's 422, before any lookup or
# row lock, so that no answer depends on which rows exist.
def withoutNul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Bidi controls (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069), which make a text render as another, and the
# invisible characters that join nothing: zero width space, soft hyphen, word joiner and invisible operators,
# U+2028/U+2029, BOM, the Hangul compatibility fillers, interlinear annotations and the other default-ignorable
# format characters. ZWNJ/ZWJ, variation selectors and Mongolian's separators stay: scripts and emoji need them.
HIDDEN_CHARACTERS = re.compile(
    r"[\u00ad\u034f\u061c\u17b4\u17b5\u200b\u200e\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\uffa0"
    r"\ufff9-\ufffb\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e007f]")
# Tag characters are kept only in an emoji tag sequence (the flags of England, Scotland, Wales).
EMOJI_TAG_SEQUENCE = re.compile(r"\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")
# What renders as nothing on its own: spaces, the joiners, variation selectors, Hangul fillers, the Braille blank.
SHOWS_NOTHING = re.compile(r"[\s\u115f\u1160\u180b-\u180f\u200c\u200d\u2800\ufe00-\ufe0f\U000e0100-\U000e01ef]*")


# Free text shown to people: no C0 control (tab and line breaks included), DEL or C1 control.
def withoutControls(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters")
    return value


# Text people read must render as sent: no bidi control, no invisible character that joins nothing.
def withoutHiddenCharacters(value: str) -> str:
    if HIDDEN_CHARACTERS.search(EMOJI_TAG_SEQUENCE.sub("", value)):
        raise ValueError("must not contain invisible or direction-changing characters")
    return value


# A text that renders as nothing (spaces, joiners, variation selectors) is blank: a name or note must show something.
def notBlank(value: str) -> str:
    if SHOWS_NOTHING.fullmatch(value):
        raise ValueError("must not be blank")
    return value
