"""The CPO declaration a company signs, as exact text (its SHA-256 is kept with the signature).

The text names the company, its group and the catalogue version, so the hash proves which
commitment was made. It is rendered in English: one binding wording, whatever the interface
language (a German reading aid is shown on the page, not signed). It is plain text, exactly as
the signer reads it: the template does not HTML-escape ("Müller & Söhne" stays as it is);
pages and PDFs escape it when they show it.
"""

import hashlib

from django.template.loader import render_to_string
from django.utils import translation

from cpo_portal.tenancy.models import Organization
from criteria.groups import SigneeGroup
from criteria.models import CatalogueVersion


def declaration_text(
    *,
    organization: Organization,
    group: str,
    version: CatalogueVersion,
    signatory_name: str = "",
    signatory_position: str = "",
) -> str:
    with translation.override("en"):
        text = render_to_string(
            "signees/signing/declaration.txt",
            {
                "organization": organization,
                "group": SigneeGroup(group).label,
                "version": version,
                "signatory_name": signatory_name.strip(),
                "signatory_position": signatory_position.strip(),
            },
        )
    # Normalised line endings and no trailing blanks: the hash must not depend on the OS.
    return "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"


def declaration_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
