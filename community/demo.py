"""Demo community: the three demo companies are verified prostep ivip members; last year's
Core Team election is published (its owners form the Core Team), this year's is open for
voting with two of three ballots cast; this year's conference takes registrations; a few
proposals are under discussion; last year's report is published, this year's is a draft.

The reports come last (`seed_late`): their figures count signees, statements and
certificates, which the other apps' demos create."""

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from cpo_portal.documents.services import document_render
from signees.models import SigneeGroup

from .models import (
    AnnualReport,
    AssociationMembership,
    Candidate,
    Election,
    ProposalKind,
    ProposalStatus,
)
from .services import conference as conference_services
from .services import elections as election_services
from .services import membership as membership_services
from .services import proposals as proposal_services
from .services import reports as report_services

GROUPS = (SigneeGroup.IT_CUSTOMER, SigneeGroup.IT_VENDOR, SigneeGroup.IT_SERVICE_PROVIDER)


def _at(day: Any, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _members(ctx: Any) -> list[tuple[Any, Any]]:
    users = get_user_model().objects
    today = timezone.localdate()
    members = []
    for group in GROUPS:
        organization, owner_email = ctx.organizations[group]
        owner = users.get(email=owner_email)
        membership = membership_services.membership_declare(
            organization=organization,
            number=f"PI-{organization.pk:05d}",
            member_since=today.replace(year=today.year - 3),
            by=owner,
        )
        membership_services.membership_verify(
            membership=membership,
            valid_until=today.replace(month=12, day=31) + timedelta(days=365),
            by=ctx.office,
        )
        members.append((organization, owner))
    return members


def _nominate_all(election: Election, members: list[tuple[Any, Any]]) -> list[Candidate]:
    candidates = []
    for organization, owner in members:
        candidate = election_services.candidate_nominate(
            election=election,
            nominating_organization=organization,
            candidate_user=owner,
            candidate_organization=organization,
            by=owner,
            statement=(
                f"{owner.full_name} stands for {organization}."
                if owner.full_name
                else f"Standing for {organization}."
            ),
        )
        candidates.append(
            election_services.candidate_answer(candidate=candidate, accept=True, by=owner)
        )
    return candidates


def _move_windows(election: Election, *, voting_open: bool) -> None:
    """Demo data only: shift the windows so the election is in the phase the demo shows."""
    now = timezone.now()
    election.nomination_opens = now - timedelta(days=40)
    election.nomination_closes = now - timedelta(days=20)
    election.voting_opens = now - timedelta(days=10)
    election.voting_closes = now + timedelta(days=10) if voting_open else now - timedelta(hours=1)
    election.save(
        update_fields=["nomination_opens", "nomination_closes", "voting_opens", "voting_closes"]
    )


def _vote(election: Election, members: list[tuple[Any, Any]], candidates: list[Candidate]) -> None:
    ids = {c.group: [c.pk] for c in candidates}
    for organization, owner in members:
        election_services.ballot_cast(
            election=election, organization=organization, choices=ids, by=owner
        )


def _elections(ctx: Any, members: list[tuple[Any, Any]]) -> None:
    now = timezone.now()

    def create(year: int) -> Election:
        return election_services.election_create(
            year=year,
            title="",
            nomination_opens=now - timedelta(hours=1),
            nomination_closes=now + timedelta(days=1),
            voting_opens=now + timedelta(days=2),
            voting_closes=now + timedelta(days=9),
            by=ctx.office,
        )

    last = create(now.year - 1)
    candidates = _nominate_all(last, members)
    _move_windows(last, voting_open=True)
    _vote(last, members, candidates)
    _move_windows(last, voting_open=False)
    election_services.election_tally(election=last, by=ctx.office)
    election_services.results_publish(election=last, by=ctx.office)

    current = create(now.year)
    candidates = _nominate_all(current, members)
    _move_windows(current, voting_open=True)
    _vote(current, members[:2], candidates)


def _conference(ctx: Any, members: list[tuple[Any, Any]]) -> None:
    now = timezone.now()
    starts = (now + timedelta(days=60)).date()
    conference = conference_services.conference_save(
        by=ctx.office,
        year=starts.year,
        title=f"CPO Conference {starts.year}",
        starts_on=starts,
        ends_on=starts + timedelta(days=1),
        venue="Darmstadt, Germany",
        online_url="",
        agenda=(
            "## Day 1\n\n- Welcome by the CPO office\n- Openness in practice: three signees"
            " report\n\n## Day 2\n\n- Core Team: the next catalogue version\n- Workshops"
        ),
        capacity=120,
        registration_opens=now - timedelta(days=7),
        registration_closes=_at(starts - timedelta(days=7)),
    )
    conference_services.conference_publish(conference=conference, by=ctx.office)
    for organization, owner in members[:2]:
        conference_services.registration_create(
            conference=conference,
            organization=organization,
            attendee_name=owner.full_name or owner.email,
            attendee_email=owner.email,
            by=owner,
        )


def _proposals(members: list[tuple[Any, Any]]) -> None:
    (customer, customer_owner), (vendor, vendor_owner), _provider = members
    first = proposal_services.proposal_submit(
        organization=customer,
        by=customer_owner,
        kind=ProposalKind.NEW,
        title="Require a documented export of the complete product structure",
        rationale=(
            "Customers depend on getting their **complete** product structure out of a PLM "
            "system, with all revisions, in a documented format."
        ),
    )
    proposal_services.proposal_comment(
        proposal=first,
        by=vendor_owner,
        organization=vendor,
        body="Agreed in principle; the format should be an open standard such as STEP AP242.",
    )
    proposal_services.proposal_transition(
        proposal=first,
        to=ProposalStatus.DISCUSSION,
        by=customer_owner,
        rationale="On the agenda of the next Core Team meeting.",
    )
    proposal_services.proposal_submit(
        organization=vendor,
        by=vendor_owner,
        kind=ProposalKind.EDITORIAL,
        title="Clarify the wording of the API documentation criteria",
        rationale="The current wording leaves open whether internal APIs are meant.",
    )


def _reports(ctx: Any, core_team_author: Any) -> None:
    year = timezone.now().year
    last = report_services.report_create(year=year - 1, by=core_team_author)
    for section in last.sections.order_by("position"):
        report_services.report_section_save(
            report=last,
            section=section,
            by=core_team_author,
            title=section.title,
            body=f"Demo text for *{section.title}* of the CPO report {year - 1}.",
        )
    report_services.report_snapshot_take(report=last, by=core_team_author)
    document = report_services.report_render(report=last, by=core_team_author)
    document_render(document_id=document.pk)
    report_services.report_publish(report=AnnualReport.objects.get(pk=last.pk), by=ctx.office)
    # This year's draft shows its figures so far, as after the Core Team's "refresh figures".
    current = report_services.report_create(year=year, by=core_team_author)
    report_services.report_snapshot_take(report=current, by=core_team_author)
    # The Core Team is writing it: a foreword with a picture, and the office's review note.
    foreword = current.sections.order_by("position").first()
    if foreword is not None:
        foreword = report_services.report_section_save(
            report=current,
            section=foreword,
            by=core_team_author,
            title=foreword.title,
            body=f"Draft foreword of the CPO report {year}: what the community achieved.",
        )
        report_services.report_image_add(
            report=current,
            by=core_team_author,
            upload=_demo_picture(),
            caption=f"The CPO Core Team {year}",
            alt_text="A blue banner with the words CPO Core Team (a placeholder for the photo).",
            section=foreword,
        )
        report_services.report_comment_add(
            section=foreword,
            by=ctx.office,
            body="Could the foreword name the new catalogue version?",
        )


def _demo_picture() -> Any:
    """A placeholder picture for the demo report (PNG, drawn here: nothing is fetched)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 240), "#0a4f96")
    ImageDraw.Draw(image).text((24, 100), "CPO Core Team", fill="#ffffff")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("core-team.png", buffer.getvalue(), content_type="image/png")


def seed(ctx: Any) -> None:
    if Election.objects.exists() or AssociationMembership.objects.exists():
        return
    members = _members(ctx)
    _elections(ctx, members)
    _conference(ctx, members)
    _proposals(members)
    print(
        "Community: 3 members; Core Team elected last year; this year's ballot open "
        "(one company has not voted); conference open."
    )


def seed_late(ctx: Any) -> None:
    """The annual reports, once every app's demo data is in place to be counted."""
    if AnnualReport.objects.exists() or not Election.objects.exists():
        return
    _organization, author_email = ctx.organizations[GROUPS[0]]
    _reports(ctx, get_user_model().objects.get(email=author_email))
    print("Community: last year's report published, this year's drafted, with their figures.")
