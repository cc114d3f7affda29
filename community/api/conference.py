"""The annual conference in the API (/api/v1/community/…).

Public: the current published conference and one per year. For members of an organization:
its conference registrations (list, register, cancel). Anyone else gets 404 for the
organization. Refusals of the services become 400s with field errors, never 500s.
"""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.api.permissions import acting_user
from cpo_portal.api.refusals import domain_errors

from ..models import Conference, RegistrationStatus
from ..selectors import conference as selectors
from ..services import conference as services
from .membership import ORG_SLUG, YEAR, organization_of

REGISTRATION_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The registration's id."
)


# --- Output -----------------------------------------------------------------------------


class ConferenceOutput(serializers.Serializer):
    year = serializers.IntegerField()
    title = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    venue = serializers.CharField()
    online_url = serializers.CharField()
    agenda = serializers.CharField(help_text="Markdown (the public page shows it sanitized).")
    capacity = serializers.IntegerField()
    seats_left = serializers.SerializerMethodField()
    waitlist_only = serializers.SerializerMethodField()
    registration_opens = serializers.DateTimeField()
    registration_closes = serializers.DateTimeField()
    registration = serializers.SerializerMethodField(help_text="upcoming, open or closed.")
    url = serializers.SerializerMethodField()
    ics_url = serializers.SerializerMethodField()

    def _seats(self, conference: Conference) -> dict[str, int]:
        # Both seat fields read one count.
        cache: dict[int, dict[str, int]] = self.__dict__.setdefault("_seat_cache", {})
        if conference.pk not in cache:
            cache[conference.pk] = selectors.conference_seats(conference)
        return cache[conference.pk]

    def get_seats_left(self, conference: Conference) -> int:
        return self._seats(conference)["free"]

    def get_waitlist_only(self, conference: Conference) -> bool:
        return self._seats(conference)["free"] == 0

    def get_registration(self, conference: Conference) -> str:
        return conference.window_state()

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_url(self, conference: Conference) -> str:
        return self._absolute(reverse("community:conference_year", args=[conference.year]))

    def get_ics_url(self, conference: Conference) -> str:
        return self._absolute(reverse("community:conference_ics", args=[conference.year]))


class RegistrationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    conference = serializers.IntegerField(source="conference.year", help_text="Its year.")
    attendee_name = serializers.CharField()
    attendee_email = serializers.EmailField()
    status = serializers.ChoiceField(choices=RegistrationStatus.choices)
    waitlist_position = serializers.IntegerField(
        allow_null=True, help_text="1 = next in line; null unless on the waitlist."
    )
    registered_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)


# --- Input ------------------------------------------------------------------------------


class RegistrationInput(serializers.Serializer):
    conference = serializers.IntegerField(help_text="The year of a published conference.")
    attendee_name = serializers.CharField(max_length=200)
    attendee_email = serializers.EmailField(max_length=254)


# --- Views ------------------------------------------------------------------------------


def _published(year: int | None = None) -> Conference:
    conference = selectors.published_conference(year)
    if conference is None:
        raise Http404
    return conference


class CurrentConferenceView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: ConferenceOutput,
            404: OpenApiResponse(description="No conference is published."),
        },
        summary="The current published conference",
    )
    def get(self, request: Request) -> Response:
        conference = _published()
        return Response(ConferenceOutput(conference, context={"request": request}).data)


class ConferenceDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=[YEAR], responses={200: ConferenceOutput})
    def get(self, request: Request, year: int) -> Response:
        conference = _published(year)
        return Response(ConferenceOutput(conference, context={"request": request}).data)


class RegistrationListView(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = RegistrationOutput

    @extend_schema(parameters=[ORG_SLUG], responses={200: RegistrationOutput(many=True)})
    def get(self, request: Request, org_slug: str) -> Response:
        """Your organization's registrations, newest conference first."""
        organization, _membership = organization_of(request, org_slug)
        rows = selectors.registrations_for_api(organization)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RegistrationOutput(page, many=True).data)

    @extend_schema(
        parameters=[ORG_SLUG],
        request=RegistrationInput,
        responses={201: RegistrationOutput},
        summary="Register an attendee (a seat, or the waitlist when full)",
    )
    def post(self, request: Request, org_slug: str) -> Response:
        organization, _membership = organization_of(request, org_slug)
        data = RegistrationInput(data=request.data)
        data.is_valid(raise_exception=True)
        conference = selectors.published_conference(data.validated_data["conference"])
        if conference is None:
            raise serializers.ValidationError(
                {"conference": ["No published conference of that year."]}
            )
        with domain_errors(already_registered="attendee_email"):
            registration = services.registration_create(
                conference=conference,
                organization=organization,
                attendee_name=data.validated_data["attendee_name"],
                attendee_email=data.validated_data["attendee_email"],
                by=acting_user(request),
            )
        row = selectors.registration_for_api(organization, registration.pk)
        return Response(RegistrationOutput(row).data, status=status.HTTP_201_CREATED)


class RegistrationCancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ORG_SLUG, REGISTRATION_ID], request=None, responses={200: RegistrationOutput}
    )
    def post(self, request: Request, org_slug: str, id: int) -> Response:
        """Cancel a registration; a freed seat goes to the next on the waitlist."""
        organization, _membership = organization_of(request, org_slug)
        registration = selectors.registration_of_organization(organization, id)
        if registration is None:
            raise Http404
        with domain_errors():
            services.registration_cancel(registration=registration, by=acting_user(request))
        return Response(RegistrationOutput(selectors.registration_for_api(organization, id)).data)
