"""The CPO declaration a company signs, as exact text (its SHA-256 is kept with the signature).

The text names the company, its group and the catalogue version, so the hash proves which
commitment was made. It is rendered in English: one binding wording, whatever the interface
language (a German reading aid is shown on the page, not signed). It is plain text, exactly as
the signer reads it: the template does not HTML-escape ("Müller & Söhne" stays as it is);
pages and PDFs escape it when they show it.
"""

from cpo_portal.binding_text import binding_text, text_sha256
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
    return binding_text(
        "signees/signing/declaration.txt",
        {
            "organization": organization,
            "group": SigneeGroup(group).label,
            "version": version,
            "signatory_name": signatory_name.strip(),
            "signatory_position": signatory_position.strip(),
        },
    )


# The signature records the hash of the stored text (cpo_portal/binding_text.py).
declaration_sha256 = text_sha256
