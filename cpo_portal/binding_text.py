"""The exact text of a binding act (the CPO declaration a company signs, the certification
agreement it accepts) and the SHA-256 that proves which text it was.

One binding wording, whatever the interface language: rendered in English, plain text (the
template does not HTML-escape), with normalised line endings and no trailing blanks, so the
hash does not depend on the operating system.
"""

import hashlib
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation


def normalised(text: str) -> str:
    """Unix line endings, no trailing blanks, no blank lines around the text."""
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def binding_text(template: str, context: dict[str, Any]) -> str:
    """The template rendered in English as normalised plain text, ending in a newline."""
    with translation.override("en"):
        return normalised(render_to_string(template, context)) + "\n"


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
