"""Signatures a person made and the office's reviews they decided (see
cpo_portal.accounts.personal_data). Both are records and stay on erasure: the signature is
the evidence of the company's declaration (its hash covers the text as signed)."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from cpo_portal.accounts.models import User
from cpo_portal.accounts.personal_data import Provider, register_provider

from .models import Signature, SigneeReview


def export(user: User) -> dict[str, Any]:
    with scopes_disabled():
        signatures = (
            Signature.objects.filter(signed_by=user)
            .select_related("signee__organization", "catalogue_version")
            .order_by("signed_at", "pk")
        )
        reviews = (
            SigneeReview.objects.filter(by=user)
            .select_related("signee__organization")
            .order_by("at", "pk")
        )
        return {
            "signatures": [
                {
                    "organization": s.signee.organization.display_name,
                    "catalogue_version": s.catalogue_version.code,
                    "group": s.group,
                    "signatory_name": s.signatory_name,
                    "signatory_position": s.signatory_position,
                    "signed": s.signed_at,
                    "ip_address": s.ip_address,
                    "user_agent": s.user_agent,
                    "withdrawn": s.withdrawn_at,
                    "declaration_sha256": s.declaration_sha256,
                }
                for s in signatures
            ],
            "reviews_decided": [
                {
                    "organization": r.signee.organization.display_name,
                    "action": r.action,
                    "reason": r.reason,
                    "time": r.at,
                }
                for r in reviews
            ],
        }


def register() -> None:
    register_provider(
        Provider(
            key="signees",
            export=export,
            kept=[
                _(
                    "Signatures of the CPO declaration (signatory's name and position, the "
                    "declaration as signed, time, IP address and browser) are the evidence "
                    "of the company's declaration and are kept; so are the office's review "
                    "decisions."
                )
            ],
        )
    )
