"""The public seal in the API: the registry of every certificate (/certificates/) and one
certificate with its history (/certificates/<number>/).

Certificates are public once issued, so these endpoints need no sign-in; they show the
effective status (a valid or suspended certificate past its validity is "expired" from the
next day on, before the daily task writes it down). An unknown or malformed number is 404.
"""

from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.api.fields import absolute, path_parameter
from criteria.models import SchemeKind
from signees.models import SigneeGroup

from ..models import Certificate, CertificateEvent, CertificateStatus
from ..selectors import seal as selectors

NUMBER = path_parameter("number", "The certificate number, e.g. CPO-O-2026-0001.", OpenApiTypes.STR)


# --- Input ------------------------------------------------------------------------------


class CertificateFilterInput(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=SchemeKind.choices, required=False, allow_blank=True, default=""
    )
    status = serializers.ChoiceField(
        choices=CertificateStatus.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="The effective status: expired includes certificates past their validity.",
    )
    group = serializers.ChoiceField(
        choices=SigneeGroup.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="The holder's signee group.",
    )
    country = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2,
        default="",
        help_text="The holder's ISO 3166-1 alpha-2 country code, e.g. DE.",
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        default="",
        help_text="Words in the number, the holder's or the product's name.",
    )

    def validate_country(self, value: str) -> str:
        code = value.strip().upper()
        if code and code not in countries:
            raise serializers.ValidationError(_("Enter a two-letter ISO country code."))
        return code

    def filters(self) -> selectors.SealFilter:
        data = self.validated_data
        return selectors.SealFilter(
            q=data["q"].strip(),
            kind=data["type"],
            status=data["status"],
            group=data["group"],
            country=data["country"],
        )


# --- Output -----------------------------------------------------------------------------


class HolderOutput(serializers.Serializer):
    name = serializers.CharField(source="holder_name")
    country = serializers.CharField(source="holder_country")
    group = serializers.CharField(source="holder_group", help_text="The signee group at issue.")


class CertificateOutput(serializers.Serializer):
    number = serializers.CharField()
    type = serializers.ChoiceField(source="kind", choices=SchemeKind.choices)
    type_label = serializers.CharField(source="get_kind_display")
    status = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()
    valid = serializers.SerializerMethodField()
    holder = HolderOutput(source="*")
    product_name = serializers.CharField()
    product_version = serializers.CharField()
    issued_on = serializers.DateField()
    valid_until = serializers.DateField()
    status_changed_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()
    badge_url = serializers.SerializerMethodField()

    def _status(self, certificate: Certificate) -> str:
        annotated = getattr(certificate, "effective_status", None)
        return annotated or selectors.effective_status(certificate.status, certificate.valid_until)

    @extend_schema_field(
        serializers.ChoiceField(
            choices=CertificateStatus.choices,
            help_text="The status today (past its validity: expired).",
        )
    )
    def get_status(self, certificate: Certificate) -> str:
        return self._status(certificate)

    def get_status_label(self, certificate: Certificate) -> str:
        return selectors.status_label(self._status(certificate))

    @extend_schema_field(serializers.BooleanField(help_text="Genuine and valid today."))
    def get_valid(self, certificate: Certificate) -> bool:
        return self._status(certificate) == CertificateStatus.ACTIVE

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, certificate: Certificate) -> str:
        return absolute(self, reverse("api:certificate", args=[certificate.number]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_verify_url(self, certificate: Certificate) -> str:
        return absolute(self, reverse("certification:verify", args=[certificate.number]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_badge_url(self, certificate: Certificate) -> str:
        return absolute(self, reverse("certification:seal_badge", args=[certificate.number]))


class CertificateEventOutput(serializers.Serializer):
    action = serializers.CharField(
        help_text="issued, suspend, reinstate, withdraw, expire, supersede, surveillance_passed."
    )
    status_before = serializers.CharField(help_text="Empty for the issue.")
    status_after = serializers.ChoiceField(choices=CertificateStatus.choices)
    reason = serializers.CharField()
    at = serializers.DateTimeField()


class IssuerOutput(serializers.Serializer):
    """The certification body as it was at issue (frozen on the certificate)."""

    name = serializers.CharField(default="")
    address = serializers.CharField(default="")
    accredited = serializers.BooleanField(default=False)
    accreditation_body = serializers.CharField(default="")
    accreditation_number = serializers.CharField(default="")


class BasisOutput(serializers.Serializer):
    """What a live product certificate rests on: its organizational certificate (followed to
    its successor after recertification) or an organizational certification the office
    recorded."""

    type = serializers.SerializerMethodField()
    number = serializers.CharField(help_text="The certificate number or the recorded reference.")
    status = serializers.ChoiceField(choices=CertificateStatus.choices)
    valid_until = serializers.DateField(allow_null=True)
    backed = serializers.BooleanField(help_text="The basis is valid today.")
    note = serializers.CharField(help_text="Why the product certificate is not backed, or empty.")
    verify_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=["certificate", "recorded_certification"]))
    def get_type(self, backing: selectors.Backing) -> str:
        return "recorded_certification" if backing.is_grant else "certificate"

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_verify_url(self, backing: selectors.Backing) -> str | None:
        return absolute(self, backing.url) if backing.url else None


class CertificateDetailOutput(CertificateOutput):
    """One certificate; the context carries its events."""

    status_reason = serializers.CharField(help_text="The reason of the last status change.")
    scope_description = serializers.CharField()
    scope_description_de = serializers.SerializerMethodField()
    issuer = serializers.SerializerMethodField()
    certifier = serializers.SerializerMethodField()
    organizational_certificate = serializers.SerializerMethodField()
    scheme = serializers.SerializerMethodField()
    catalogue_version = serializers.CharField(source="catalogue_version.code")
    catalogue_is_demo = serializers.BooleanField(
        source="catalogue_version.is_demo", help_text="Issued against the demo catalogue."
    )
    audit_type = serializers.CharField(source="application.audit_type")
    next_surveillance_due = serializers.DateField(allow_null=True)
    predecessor = serializers.SerializerMethodField()
    successor = serializers.SerializerMethodField()
    sha256 = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.BooleanField(
            help_text="Genuine and valid today (a product certificate: and backed by a valid "
            "organizational certificate)."
        )
    )
    def get_valid(self, certificate: Certificate) -> bool:
        backing = selectors.public_backing(certificate)
        return super().get_valid(certificate) and (backing is None or backing.backed)

    @extend_schema_field(
        serializers.CharField(help_text="The scope in German (the English one if none given).")
    )
    def get_scope_description_de(self, certificate: Certificate) -> str:
        return certificate.scope_description_de or certificate.scope_description

    @extend_schema_field(IssuerOutput)
    def get_issuer(self, certificate: Certificate) -> Any:
        return IssuerOutput(certificate.issuer or {}).data

    @extend_schema_field(
        serializers.CharField(help_text="The certifier who decided, by public name.")
    )
    def get_certifier(self, certificate: Certificate) -> str:
        decided_by = certificate.application.decided_by
        return decided_by.public_name if decided_by is not None else ""

    @extend_schema_field(BasisOutput(allow_null=True))
    def get_organizational_certificate(self, certificate: Certificate) -> Any:
        backing = selectors.public_backing(certificate)
        if backing is None:
            return None
        return BasisOutput(backing, context=self.context).data

    def get_scheme(self, certificate: Certificate) -> str:
        return str(certificate.scheme.title) or certificate.get_kind_display()

    def _related(self, certificate: Certificate, name: str) -> str | None:
        try:
            related = getattr(certificate, name)
        except Certificate.DoesNotExist:
            return None
        return related.number if related is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_predecessor(self, certificate: Certificate) -> str | None:
        return self._related(certificate, "predecessor")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_successor(self, certificate: Certificate) -> str | None:
        return self._related(certificate, "successor")

    @extend_schema_field(
        serializers.CharField(
            allow_null=True, help_text="SHA-256 of the signed PDF; null while it is prepared."
        )
    )
    def get_sha256(self, certificate: Certificate) -> str | None:
        return getattr(certificate, "document_sha256", None) or None

    @extend_schema_field(CertificateEventOutput(many=True))
    def get_events(self, certificate: Certificate) -> Any:
        events: list[CertificateEvent] = self.context.get("events", [])
        return CertificateEventOutput(events, many=True).data


def certificate_of(number: str) -> Certificate:
    certificate = selectors.public_certificate(number)
    if certificate is None:
        raise Http404
    return certificate


def certificate_response(number: str, request: Request) -> Response:
    """One certificate with its whole public history."""
    certificate = certificate_of(number)
    events = selectors.public_certificate_events(certificate)
    context = {"request": request, "events": events}
    return Response(CertificateDetailOutput(certificate, context=context).data)


# --- Views ------------------------------------------------------------------------------


class CertificateListView(generics.ListAPIView):
    """Every certificate ever issued, newest first, with its status today; filters."""

    permission_classes = [AllowAny]
    serializer_class = CertificateOutput

    @extend_schema(parameters=[CertificateFilterInput])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        params = CertificateFilterInput(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.public_certificate_list(params.filters())


class CertificateDetailView(APIView):
    """One certificate with its full public history and the PDF's hash."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[NUMBER],
        responses={
            200: CertificateDetailOutput,
            404: OpenApiResponse(description="No such certificate."),
        },
    )
    def get(self, request: Request, number: str) -> Response:
        return certificate_response(number, request)
