"""The CPO office's certificate lifecycle in the API: /office/certificates/<number>/
suspend|reinstate|withdraw/.

The lifecycle steps are for the CPO office only; anyone else signed in gets 404. A refused
step answers 400 with the reason in `non_field_errors` — also a step out of order (e.g.
reinstating an active or expired certificate): the same as every other refused state change
of the certification API.
"""

from collections.abc import Callable

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.api.permissions import IsOffice, acting_user
from cpo_portal.api.refusals import domain_errors

from ..models import Certificate
from ..services import certificates as services
from .seal import NUMBER, CertificateDetailOutput, certificate_of, certificate_response

OFFICE_PERMISSIONS = [IsAuthenticated, IsOffice]


class RequiredReasonInput(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, help_text="Shown publicly on the verification page."
    )


class OptionalReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


def _lifecycle_view(action: str, doc: str) -> type[APIView]:
    steps: dict[str, Callable[..., Certificate]] = {
        "suspend": services.certificate_suspend,
        "reinstate": services.certificate_reinstate,
        "withdraw": services.certificate_withdraw,
    }
    service = steps[action]
    input_class = OptionalReasonInput if action == "reinstate" else RequiredReasonInput

    class LifecycleView(APIView):
        permission_classes = OFFICE_PERMISSIONS

        @extend_schema(
            parameters=[NUMBER],
            request=input_class,
            responses={
                200: CertificateDetailOutput,
                400: OpenApiResponse(
                    description="Refused: no reason, a step out of order, validity ended."
                ),
                404: OpenApiResponse(description="No such certificate, or not the office."),
            },
            summary=doc,
        )
        def post(self, request: Request, number: str) -> Response:
            certificate = certificate_of(number)
            data = input_class(data=request.data)
            data.is_valid(raise_exception=True)
            with domain_errors():
                service(
                    certificate=certificate,
                    by=acting_user(request),
                    reason=data.validated_data["reason"],
                )
            return certificate_response(certificate.number, request)

    name = f"OfficeCertificate{action.title()}View"
    LifecycleView.__name__ = LifecycleView.__qualname__ = name
    LifecycleView.__doc__ = doc
    return LifecycleView


SuspendView = _lifecycle_view("suspend", "Suspend a valid certificate (reason required).")
ReinstateView = _lifecycle_view(
    "reinstate", "Reinstate a suspended certificate within its validity."
)
WithdrawView = _lifecycle_view(
    "withdraw", "Withdraw a valid or suspended certificate for good (reason required)."
)
