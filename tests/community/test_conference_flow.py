"""No lost updates on the annual conference: two office users (Olga and Otto) edit the same
conference; the one whose save is based on an older version is told, with both values and
who saved when, and nothing is overwritten. "Keep mine" saves on top; saving the values
already stored is no conflict and writes nothing."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from community.models import Conference
from community.services import conference as services
from cpo_portal.activity.models import ActivityEntry
from tests.community.helpers import make_conference
from tests.factories import UserFactory, make_office

pytestmark = pytest.mark.django_db


@pytest.fixture
def otto(activate_totp):
    """A second member of the CPO office."""
    user = UserFactory(email="otto@example.org", full_name="Otto Office")
    make_office(user)
    return activate_totp(user)


@pytest.fixture
def conference(office_user):
    return make_conference(office_user, published=False)


def values(conference, **change):
    return {**{n: getattr(conference, n) for n in services.CONFERENCE_FIELDS}, **change}


def save(conference, user, version, **change):
    return services.conference_save(
        by=user,
        year=conference.year,
        conference=conference,
        expected_version=version,
        **values(conference, **change),
    )


def stored(conference):
    return Conference.objects.get(pk=conference.pk)


def logged():
    with scopes_disabled():
        return ActivityEntry.objects.filter(verb="conference.saved").count()


# --- the service --------------------------------------------------------------------------


def test_a_conference_starts_at_version_one_and_each_save_counts_up(conference, office_user):
    assert conference.version == 1
    assert save(conference, office_user, 1, title="CPO Conference 2").version == 2
    assert save(conference, office_user, 2, capacity=50).version == 3
    assert stored(conference).version == 3


def test_a_save_based_on_an_older_version_is_refused_with_the_newer_conference(
    conference, office_user, otto
):
    save(conference, office_user, 1, venue="Stuttgart")
    before = logged()

    with pytest.raises(services.ConferenceConflict) as refused:
        save(conference, otto, 1, title="Otto's conference", capacity=7)

    assert refused.value.code == "stale_version"
    assert "Olga Office" in refused.value.messages[0]
    assert refused.value.saved_by == office_user
    assert (refused.value.current.venue, refused.value.current.version) == ("Stuttgart", 2)
    now = stored(conference)
    assert (now.title, now.venue, now.capacity, now.version) == (
        "CPO Conference",
        "Stuttgart",
        2,
        2,
    )
    assert logged() == before


def test_keeping_mine_saves_on_top_of_the_newer_version(conference, office_user, otto):
    save(conference, office_user, 1, venue="Stuttgart")
    kept = save(conference, otto, 2, title="Otto's conference")
    now = stored(conference)
    assert (kept.version, now.version, now.title) == (3, 3, "Otto's conference")


def test_the_same_values_again_are_no_conflict_and_write_nothing(conference, office_user, otto):
    save(conference, office_user, 1, venue="Stuttgart")
    before = (logged(), stored(conference).updated_at)
    same = save(conference, otto, 1, venue="Stuttgart")
    assert same.version == 2
    assert (logged(), stored(conference).updated_at) == before


# --- the pages ----------------------------------------------------------------------------


def edit_url(conference):
    return reverse("community:office_conference_edit", args=[conference.pk])


def form_data(conference, **change):
    local = timezone.localtime
    data = {
        "title": conference.title,
        "starts_on": conference.starts_on.isoformat(),
        "ends_on": conference.ends_on.isoformat(),
        "venue": conference.venue,
        "online_url": conference.online_url,
        "agenda": conference.agenda,
        "capacity": conference.capacity,
        "registration_opens": local(conference.registration_opens).strftime("%Y-%m-%dT%H:%M"),
        "registration_closes": local(conference.registration_closes).strftime("%Y-%m-%dT%H:%M"),
        "version": conference.version,
    }
    data.update(change)
    return data


def test_the_form_carries_the_version_it_started_from(client, conference, office_user):
    client.force_login(office_user)
    page = client.get(edit_url(conference)).content.decode()
    assert re.search(r'name="version" value="1"', page)


def test_the_second_office_user_is_told_with_both_values_and_nothing_is_overwritten(
    client, conference, office_user, otto
):
    seen = form_data(conference)  # both open the form at version 1
    client.force_login(office_user)
    first = client.post(edit_url(conference), {**seen, "venue": "Stuttgart"})
    assert first.status_code == 302

    client.force_login(otto)
    response = client.post(edit_url(conference), {**seen, "venue": "Otto's hall", "capacity": 9})

    assert response.status_code == 409
    page = response.content.decode()
    assert "Not saved: the conference was changed in the meantime." in page
    assert "Otto&#x27;s hall" in page and "Stuttgart" in page
    assert "Saved by Olga Office" in page and "(version 2)" in page
    assert re.search(r'<button type="submit" name="keep_version" value="2"', page)
    # The values Otto typed stay in the form, and only one keep_version is sent.
    assert 'value="Otto&#x27;s hall"' in page
    assert page.count('name="keep_version"') == 1
    now = stored(conference)
    assert (now.venue, now.capacity, now.version) == ("Stuttgart", 2, 2)

    # "Keep mine": the same values on top of version 2.
    kept = client.post(
        edit_url(conference),
        {**seen, "venue": "Otto's hall", "capacity": 9, "keep_version": 2},
    )
    assert kept.status_code == 302
    now = stored(conference)
    assert (now.venue, now.capacity, now.version) == ("Otto's hall", 9, 3)


def test_the_same_values_from_an_older_page_are_saved_without_conflict(
    client, conference, office_user, otto
):
    seen = form_data(conference)
    client.force_login(office_user)
    assert client.post(edit_url(conference), {**seen, "venue": "Stuttgart"}).status_code == 302
    client.force_login(otto)
    response = client.post(edit_url(conference), {**seen, "venue": "Stuttgart"})
    assert response.status_code == 302
    assert stored(conference).version == 2


def test_take_the_saved_one_reloads_the_form_with_the_saved_values(
    client, conference, office_user, otto
):
    seen = form_data(conference)
    client.force_login(office_user)
    client.post(edit_url(conference), {**seen, "venue": "Stuttgart"})
    client.force_login(otto)
    page = client.post(edit_url(conference), {**seen, "venue": "Otto's hall"}).content.decode()
    assert f'hx-get="{edit_url(conference)}"' in page
    assert f'id="c-{conference.pk}"' in page
    reloaded = client.get(edit_url(conference)).content.decode()
    assert 'value="Stuttgart"' in reloaded and re.search(r'name="version" value="2"', reloaded)


def test_creating_a_conference_still_works(client, office_user):
    client.force_login(office_user)
    now = timezone.localtime()
    response = client.post(
        reverse("community:office_conference_create"),
        {
            "year": now.year + 1,
            "title": "Next",
            "starts_on": (now + timedelta(days=400)).date().isoformat(),
            "ends_on": (now + timedelta(days=401)).date().isoformat(),
            "venue": "Bonn",
            "capacity": 10,
            "registration_opens": now.strftime("%Y-%m-%dT%H:%M"),
            "registration_closes": (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    assert Conference.objects.get(year=now.year + 1).version == 1
