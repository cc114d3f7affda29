"""The Core Team election in the API (/api/v1/community/…).

Public: the elections, their accepted candidates, published results, the Core Team, and
the receipt check (rate-limited per client address). For members of a community member
organization: its nominations and its ballot (owners and admins act; a plain member gets
403; anyone else 404). The nominee answers their own nomination; for anyone else it is 404.
Refusals of the services become 400s with field errors, never 500s.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cpo_portal.api.permissions import acting_user
from cpo_portal.api.refusals import NON_FIELD, domain_errors
from cpo_portal.ratelimit import rate_limited
from cpo_portal.tenancy.models import Organization
from cpo_portal.tenancy.selectors import membership_for
from criteria.groups import SigneeGroup

from ..models import Ballot, Candidate, Election
from ..selectors import elections as selectors
from ..services import elections as services
from ..services.elections import GROUPS, RECEIPT_CHECKS
from .membership import ORG_SLUG, YEAR, organization_of, require_admin

NOMINATION_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Your nomination's id."
)


def _election(year: int) -> Election:
    election = Election.objects.filter(year=year).first()
    if election is None:
        raise Http404
    return election


# --- Output -----------------------------------------------------------------------------


class ElectionSeatsOutput(serializers.Serializer):
    it_customer = serializers.IntegerField(source="seats_it_customer")
    it_vendor = serializers.IntegerField(source="seats_it_vendor")
    it_service_provider = serializers.IntegerField(source="seats_it_service_provider")


class ElectionOutput(serializers.Serializer):
    year = serializers.IntegerField()
    title = serializers.CharField()
    phase = serializers.SerializerMethodField(
        help_text="upcoming, nomination, between, voting, closed or published."
    )
    seats = ElectionSeatsOutput(source="*")
    nomination_opens = serializers.DateTimeField()
    nomination_closes = serializers.DateTimeField()
    voting_opens = serializers.DateTimeField()
    voting_closes = serializers.DateTimeField()
    results_published_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()

    def get_phase(self, election: Election) -> str:
        return services.phase(election)

    def get_url(self, election: Election) -> str:
        path = reverse("community:election", kwargs={"year": election.year})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class CommunityOrganizationOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField(source="display_name")


class ElectionCandidateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    group = serializers.ChoiceField(choices=SigneeGroup.choices)
    name = serializers.CharField(source="user.public_name")
    organization = CommunityOrganizationOutput()
    statement = serializers.CharField()


class ElectionDetailOutput(ElectionOutput):
    candidates = serializers.SerializerMethodField(
        help_text="Accepted candidates (announced before voting)."
    )

    @extend_schema_field(ElectionCandidateOutput(many=True))
    def get_candidates(self, election: Election) -> Any:
        return ElectionCandidateOutput(self.context["candidates"], many=True).data


class ElectionResultOutput(serializers.Serializer):
    rank = serializers.IntegerField()
    votes = serializers.IntegerField()
    elected = serializers.BooleanField()
    tie = serializers.BooleanField()
    candidate = ElectionCandidateOutput()


class ElectionGroupResultsOutput(serializers.Serializer):
    group = serializers.ChoiceField(choices=SigneeGroup.choices)
    seats = serializers.IntegerField()
    results = ElectionResultOutput(many=True)
    tie_resolution = serializers.CharField(allow_null=True, help_text="How a tie was resolved.")


class ElectionResultsOutput(serializers.Serializer):
    election = ElectionOutput()
    ballots = serializers.IntegerField()
    eligible = serializers.IntegerField()
    turnout_percent = serializers.IntegerField(allow_null=True)
    groups = ElectionGroupResultsOutput(many=True)


class CoreTeamMemberOutput(serializers.Serializer):
    group = serializers.ChoiceField(choices=SigneeGroup.choices)
    name = serializers.CharField(source="candidate.user.public_name")
    organization = CommunityOrganizationOutput(source="candidate.organization")


class CoreTeamOutput(serializers.Serializer):
    election = ElectionOutput(allow_null=True)
    members = CoreTeamMemberOutput(many=True)


class ElectionNominationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    group = serializers.ChoiceField(choices=SigneeGroup.choices)
    name = serializers.CharField(source="user.public_name")
    organization = CommunityOrganizationOutput()
    nominated_by = CommunityOrganizationOutput(source="nominated_by_organization")
    status = serializers.CharField(help_text="nominated, accepted or declined.")
    statement = serializers.CharField()
    nominated_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)


class ElectionBallotStatusOutput(serializers.Serializer):
    voted = serializers.BooleanField()
    voted_at = serializers.DateTimeField(allow_null=True)


class BallotReceiptOutput(serializers.Serializer):
    receipt = serializers.CharField(help_text="Shown once: keep it to check the ballot.")


class BallotApprovalOutput(serializers.Serializer):
    group = serializers.ChoiceField(choices=SigneeGroup.choices, source="candidate.group")
    candidate_id = serializers.IntegerField()
    name = serializers.CharField(source="candidate.user.public_name")


class ElectionReceiptCheckOutput(serializers.Serializer):
    counted = serializers.BooleanField()
    approvals = BallotApprovalOutput(many=True)


# --- Input ------------------------------------------------------------------------------


class ElectionNominationInput(serializers.Serializer):
    organization = serializers.SlugField(
        help_text="Slug of the candidate's organization (a community member of your group)."
    )
    email = serializers.EmailField(help_text="The candidate's e-mail address in the portal.")


class NominationAnswerInput(serializers.Serializer):
    accept = serializers.BooleanField()
    statement = serializers.CharField(required=False, allow_blank=True, max_length=3000, default="")


def _ids() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=100,
        help_text="Ids of accepted candidates of this group, at most its number of seats.",
    )


class ElectionBallotInput(serializers.Serializer):
    it_customer = _ids()
    it_vendor = _ids()
    it_service_provider = _ids()


class ElectionReceiptInput(serializers.Serializer):
    code = serializers.CharField(max_length=40)


# --- Public -----------------------------------------------------------------------------


class ElectionListView(generics.ListAPIView):
    """Every Core Team election, newest first."""

    permission_classes = [AllowAny]
    serializer_class = ElectionOutput
    queryset = Election.objects.order_by("-year")


class ElectionDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=[YEAR], responses={200: ElectionDetailOutput})
    def get(self, request: Request, year: int) -> Response:
        """One election and its accepted candidates."""
        election = _election(year)
        context = {
            "request": request,
            "candidates": list(selectors.accepted_candidates(election)),
        }
        return Response(ElectionDetailOutput(election, context=context).data)


def _results_payload(election: Election) -> dict[str, Any]:
    tally = selectors.results_of_election(election)
    ballots, eligible = election.ballots_count or 0, election.eligible_count or 0
    groups = []
    for group in GROUPS:
        resolution = tally["resolutions"].get(group)
        groups.append(
            {
                "group": group,
                "seats": election.seats(group),
                "results": tally["results"].get(group, []),
                "tie_resolution": resolution.note if resolution else None,
            }
        )
    return {
        "election": election,
        "ballots": ballots,
        "eligible": eligible,
        "turnout_percent": round(100 * ballots / eligible) if eligible else None,
        "groups": groups,
    }


class ElectionResultsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=[YEAR], responses={200: ElectionResultsOutput, 404: None})
    def get(self, request: Request, year: int) -> Response:
        """Published results per group, ranked, with turnout (404 until published)."""
        election = _election(year)
        if election.results_published_at is None:
            raise Http404
        payload = _results_payload(election)
        return Response(ElectionResultsOutput(payload, context={"request": request}).data)


class CoreTeamView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: CoreTeamOutput})
    def get(self, request: Request) -> Response:
        """The current Core Team: the elected of the latest published election."""
        election, results = selectors.published_core_team()
        payload = {"election": election, "members": results}
        return Response(CoreTeamOutput(payload, context={"request": request}).data)


class ReceiptCheckView(APIView):
    """Check a receipt code: counted (with the approvals on that ballot) or not."""

    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []  # its own, stricter limit per client address

    @extend_schema(
        parameters=[YEAR],
        request=ElectionReceiptInput,
        responses={
            200: ElectionReceiptCheckOutput,
            429: OpenApiResponse(description="Too many checks."),
        },
    )
    def post(self, request: Request, year: int) -> Response:
        election = _election(year)
        retry_after = rate_limited(
            request, RECEIPT_CHECKS, int(settings.COMMUNITY_RECEIPT_RATE_LIMIT)
        )
        if retry_after is not None:
            raise Throttled(wait=retry_after)
        data = ElectionReceiptInput(data=request.data)
        data.is_valid(raise_exception=True)
        ballot: Ballot | None = services.ballot_for_receipt(election, data.validated_data["code"])
        approvals = list(ballot.votes.all()) if ballot is not None else []
        approvals.sort(key=lambda v: (GROUPS.index(v.candidate.group), str(v.candidate.user)))
        payload = {"counted": ballot is not None, "approvals": approvals}
        return Response(ElectionReceiptCheckOutput(payload).data)


# --- Members ----------------------------------------------------------------------------


class NominationsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ORG_SLUG, YEAR], responses={200: ElectionNominationOutput(many=True)}
    )
    def get(self, request: Request, org_slug: str, year: int) -> Response:
        """Nominations made by your organization or of its people."""
        organization, _membership = organization_of(request, org_slug)
        election = _election(year)
        rows = selectors.nominations_of_organization(election, organization)
        return Response(ElectionNominationOutput(rows, many=True).data)

    @extend_schema(
        parameters=[ORG_SLUG, YEAR],
        request=ElectionNominationInput,
        responses={201: ElectionNominationOutput},
        summary="Nominate a person of a community member organization of your group",
    )
    def post(self, request: Request, org_slug: str, year: int) -> Response:
        organization, membership = organization_of(request, org_slug)
        election = _election(year)
        require_admin(membership)
        data = ElectionNominationInput(data=request.data)
        data.is_valid(raise_exception=True)
        candidate_org = Organization.objects.filter(
            slug=data.validated_data["organization"]
        ).first()
        person = (
            get_user_model()
            .objects.filter(email__iexact=data.validated_data["email"], is_active=True)
            .first()
        )
        # One answer for "no such person" and "not in that organization": the API does
        # not tell who has an account.
        if candidate_org is None:
            raise ValidationError({"organization": [_("No such community member organization.")]})
        if person is None or membership_for(organization=candidate_org, user=person) is None:
            raise ValidationError(
                {"email": [_("The candidate is not a member of that organization.")]}
            )
        with domain_errors(other_group="organization", not_community_member=NON_FIELD):
            candidate = services.candidate_nominate(
                election=election,
                nominating_organization=organization,
                candidate_user=person,
                candidate_organization=candidate_org,
                by=acting_user(request),
            )
        return Response(ElectionNominationOutput(candidate).data, status=status.HTTP_201_CREATED)


class NominationAnswerView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[YEAR, NOMINATION_ID],
        request=NominationAnswerInput,
        responses={200: ElectionNominationOutput},
    )
    def post(self, request: Request, year: int, id: int) -> Response:
        """The nominee accepts or declines (404 for anyone else)."""
        candidate: Candidate | None = selectors.candidacy_for_nominee(request.user, year, id)
        if candidate is None:
            raise Http404
        data = NominationAnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        with domain_errors():
            candidate = services.candidate_answer(
                candidate=candidate,
                accept=data.validated_data["accept"],
                statement=data.validated_data["statement"],
                by=acting_user(request),
            )
        return Response(ElectionNominationOutput(candidate).data)


class BallotView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ORG_SLUG, YEAR], responses={200: ElectionBallotStatusOutput})
    def get(self, request: Request, org_slug: str, year: int) -> Response:
        """Whether your organization has voted (never how)."""
        organization, _membership = organization_of(request, org_slug)
        cast = selectors.ballot_cast_of(_election(year), organization)
        payload = {"voted": cast is not None, "voted_at": cast.cast_at if cast else None}
        return Response(ElectionBallotStatusOutput(payload).data)

    @extend_schema(
        parameters=[ORG_SLUG, YEAR],
        request=ElectionBallotInput,
        responses={201: BallotReceiptOutput},
        summary="Cast your organization's one secret ballot; returns the receipt code",
    )
    def post(self, request: Request, org_slug: str, year: int) -> Response:
        organization, membership = organization_of(request, org_slug)
        election = _election(year)
        require_admin(membership)
        data = ElectionBallotInput(data=request.data)
        data.is_valid(raise_exception=True)
        choices = {group: data.validated_data.get(group) or [] for group in GROUPS}
        too_many = {
            group: [_("At most %(seats)d votes.") % {"seats": election.seats(group)}]
            for group, ids in choices.items()
            if len(set(ids)) > election.seats(group)
        }
        if too_many:
            raise ValidationError(too_many)
        with domain_errors():
            code = services.ballot_cast(
                election=election,
                organization=organization,
                choices=choices,
                by=acting_user(request),
            )
        response = Response({"receipt": code}, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response
