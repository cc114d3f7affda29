"""The catalogue in the Django admin: read-only once published, changes through services."""

import pytest
from django.contrib.messages import get_messages
from django_scopes import scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from criteria.models import AssessmentCriterion, CatalogueVersion, Criterion, VersionStatus
from criteria.selectors.catalogue import catalogue_as_canonical

pytestmark = pytest.mark.django_db

ADMIN = "/admin/criteria/"


@pytest.fixture
def admin_user(make_user, activate_totp):
    return activate_totp(make_user(is_staff=True, is_superuser=True))


@pytest.fixture
def office_staff(office_user):
    office_user.is_staff = True
    office_user.save(update_fields=["is_staff"])
    return office_user


@pytest.fixture(params=["admin_user", "office_staff"])
def staff(request):
    return request.getfixturevalue(request.param)


def _verbs():
    with scopes_disabled():
        return list(ActivityEntry.objects.values_list("verb", flat=True))


def _criterion_form(criterion, **changes):
    data = {
        "category": criterion.category_id,
        "code": criterion.code,
        "title_en": criterion.title_en,
        "title_de": criterion.title_de,
        "text_en": criterion.text_en,
        "text_de": criterion.text_de,
        "obligation": criterion.obligation,
        "applies_to": list(criterion.applies_to),
        "position": criterion.position,
        "_save": "Save",
    }
    for flag in ("justification_required", "evidence_required", "na_allowed"):
        if getattr(criterion, flag):
            data[flag] = "on"
    data.update(changes)
    return data


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_every_catalogue_admin_list_opens(client, staff, catalogue_v1, draft_catalogue):
    client.force_login(staff)
    for model in (
        "catalogueversion",
        "category",
        "criterion",
        "assessmentscheme",
        "subjectarea",
        "assessmentcriterion",
    ):
        assert client.get(f"{ADMIN}{model}/").status_code == 200, model
        assert client.get(f"{ADMIN}{model}/?q=2.1").status_code == 200, model


def test_criterion_of_a_published_version_is_read_only(client, staff, catalogue_v1):
    client.force_login(staff)
    criterion = catalogue_v1.criteria.get(code="2.1.2")
    url = f"{ADMIN}criterion/{criterion.pk}/change/"
    before = catalogue_as_canonical(catalogue_v1)

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html
    assert 'name="title_en"' not in html
    assert "Preserved identifiers" in html

    response = client.post(url, _criterion_form(criterion, title_en="Changed in admin"))
    assert response.status_code == 403
    deleted = client.post(f"{ADMIN}criterion/{criterion.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403
    assert catalogue_as_canonical(catalogue_v1) == before


def test_every_object_of_a_published_version_refuses_change_and_delete(client, staff, catalogue_v1):
    client.force_login(staff)
    scheme = catalogue_v1.schemes.get(kind="organizational")
    area = scheme.areas.first()
    assessment = scheme.assessment_criteria.first()
    objects = {
        "catalogueversion": catalogue_v1.pk,
        "category": catalogue_v1.categories.first().pk,
        "criterion": catalogue_v1.criteria.first().pk,
        "assessmentscheme": scheme.pk,
        "subjectarea": area.pk,
        "assessmentcriterion": assessment.pk,
    }
    before = catalogue_as_canonical(catalogue_v1)
    for model, pk in objects.items():
        page = client.get(f"{ADMIN}{model}/{pk}/change/")
        assert page.status_code == 200, model
        assert 'name="_save"' not in page.content.decode(), model
        data = {"title_en": "Changed", "verifies": [], "should_share": "0.1", "_save": "Save"}
        assert client.post(f"{ADMIN}{model}/{pk}/change/", data).status_code == 403, model
        assert client.post(f"{ADMIN}{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
    assert catalogue_as_canonical(catalogue_v1) == before


def test_version_status_is_never_a_form_field(client, staff, draft_catalogue):
    client.force_login(staff)
    html = client.get(f"{ADMIN}catalogueversion/{draft_catalogue.pk}/change/").content.decode()
    assert 'name="status"' not in html
    assert 'name="_save"' not in html
    # Categories and schemes are shown inline, read-only, without "add another".
    assert "Interoperability" in html
    assert 'name="categories-MAX_NUM_FORMS" value="0"' in html
    assert 'name="schemes-MAX_NUM_FORMS" value="0"' in html
    response = client.post(
        f"{ADMIN}catalogueversion/{draft_catalogue.pk}/change/",
        {"status": "published", "_save": "Save"},
    )
    assert response.status_code == 403
    draft_catalogue.refresh_from_db()
    assert draft_catalogue.status == VersionStatus.DRAFT
    assert client.get(f"{ADMIN}catalogueversion/add/").status_code == 403


def test_publish_action_publishes_a_draft_through_the_service(client, staff, draft_catalogue):
    client.force_login(staff)
    response = client.post(
        f"{ADMIN}catalogueversion/",
        {"action": "publish", "_selected_action": [draft_catalogue.pk]},
    )
    assert response.status_code == 302
    draft_catalogue.refresh_from_db()
    assert draft_catalogue.status == VersionStatus.PUBLISHED
    assert draft_catalogue.published_by == staff
    assert "catalogue.published" in _verbs()
    assert "1 version published." in _messages(response)


def test_publish_action_reports_a_refusal_instead_of_failing(client, staff, catalogue_v1):
    client.force_login(staff)
    response = client.post(
        f"{ADMIN}catalogueversion/",
        {"action": "publish", "_selected_action": [catalogue_v1.pk]},
    )
    assert response.status_code == 302
    assert any("cannot become published" in m for m in _messages(response))
    catalogue_v1.refresh_from_db()
    assert catalogue_v1.status == VersionStatus.PUBLISHED


def test_retire_action_retires_a_published_version(client, staff, catalogue_v1):
    client.force_login(staff)
    client.post(
        f"{ADMIN}catalogueversion/",
        {"action": "retire", "_selected_action": [catalogue_v1.pk]},
    )
    catalogue_v1.refresh_from_db()
    assert catalogue_v1.status == VersionStatus.RETIRED


def test_criterion_of_a_draft_is_changed_through_the_service(client, staff, draft_catalogue):
    client.force_login(staff)
    criterion = draft_catalogue.criteria.get(code="2.1.2")
    url = f"{ADMIN}criterion/{criterion.pk}/change/"
    assert 'name="_save"' in client.get(url).content.decode()

    response = client.post(
        url, _criterion_form(criterion, title_en="Admin title", applies_to=["it_customer"])
    )

    assert response.status_code == 302
    criterion.refresh_from_db()
    assert criterion.title_en == "Admin title"
    assert criterion.applies_to == ["it_customer"]
    with scopes_disabled():
        entry = ActivityEntry.objects.get(verb="criterion.updated")
    assert entry.actor == staff
    assert set(entry.data["after"]) == {"title_en", "applies_to"}


def test_admin_refuses_a_duplicate_code_or_a_foreign_category(
    client, staff, draft_catalogue, catalogue_v1
):
    client.force_login(staff)
    criterion = draft_catalogue.criteria.get(code="2.1.2")
    url = f"{ADMIN}criterion/{criterion.pk}/change/"
    foreign = catalogue_v1.categories.first()
    response = client.post(url, _criterion_form(criterion, code="2.1.1", category=foreign.pk))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"code", "category"} <= set(errors)
    criterion.refresh_from_db()
    assert criterion.code == "2.1.2"


def test_admin_edit_of_a_version_published_meanwhile_is_refused_with_a_message(
    client, staff, draft_catalogue, monkeypatch
):
    """The page was opened on a draft; the version is published before the save."""
    from criteria import admin as criteria_admin
    from criteria.services.catalogue import catalogue_publish

    client.force_login(staff)
    scheme = draft_catalogue.schemes.get(kind="product")
    # The permission check still sees the draft the page was opened on.
    monkeypatch.setattr(criteria_admin.AssessmentSchemeAdmin, "is_draft", lambda self, obj: True)
    catalogue_publish(version=draft_catalogue, by=staff)

    response = client.post(
        f"{ADMIN}assessmentscheme/{scheme.pk}/change/",
        {
            "title_en": "Too late",
            "title_de": scheme.title_de,
            "should_share": "0.10",
            "validity_months": 24,
            "surveillance_months": 12,
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    assert any("cannot be changed" in m for m in _messages(response))
    scheme.refresh_from_db()
    assert scheme.title_en == "Product scheme"
    assert str(scheme.should_share) == "0.80"
    assert "scheme.updated" not in _verbs()


def test_criterion_can_be_added_to_a_draft_only(client, staff, draft_catalogue, catalogue_v1):
    client.force_login(staff)
    form = client.get(f"{ADMIN}criterion/add/").context["adminform"].form
    assert list(form.fields["version"].queryset) == [draft_catalogue]
    category = draft_catalogue.categories.get(number="2.2")
    response = client.post(
        f"{ADMIN}criterion/add/",
        {
            "version": draft_catalogue.pk,
            "category": category.pk,
            "code": "2.2.9",
            "title_en": "Added in admin",
            "text_en": "A text.",
            "obligation": "may",
            "applies_to": ["it_vendor"],
            "position": 5,
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    added = Criterion.objects.get(version=draft_catalogue, code="2.2.9")
    assert added.category == category
    assert "criterion.created" in _verbs()

    refused = client.post(
        f"{ADMIN}criterion/add/",
        {
            "version": catalogue_v1.pk,
            "category": catalogue_v1.categories.first().pk,
            "code": "2.1.9",
            "title_en": "Into a published version",
            "text_en": "A text.",
            "obligation": "may",
            "applies_to": ["it_vendor"],
            "position": 5,
            "_save": "Save",
        },
    )
    assert refused.status_code == 200
    assert not Criterion.objects.filter(version=catalogue_v1, code="2.1.9").exists()


def test_criterion_of_a_draft_is_deleted_through_the_service(client, staff, draft_catalogue):
    client.force_login(staff)
    criterion = draft_catalogue.criteria.get(code="2.6.1")
    response = client.post(f"{ADMIN}criterion/{criterion.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Criterion.objects.filter(pk=criterion.pk).exists()
    assert "criterion.deleted" in _verbs()


def test_category_and_scheme_of_a_draft_are_changed_through_the_services(
    client, staff, draft_catalogue
):
    client.force_login(staff)
    category = draft_catalogue.categories.get(number="2.3")
    response = client.post(
        f"{ADMIN}category/{category.pk}/change/",
        {
            "title_en": "Extensibility (edited)",
            "title_de": category.title_de,
            "description_en": "",
            "description_de": "",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.title_en == "Extensibility (edited)"

    scheme = draft_catalogue.schemes.get(kind="product")
    response = client.post(
        f"{ADMIN}assessmentscheme/{scheme.pk}/change/",
        {
            "title_en": scheme.title_en,
            "title_de": scheme.title_de,
            "should_share": "0.60",
            "validity_months": 24,
            "surveillance_months": 12,
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert str(scheme.should_share) == "0.60"
    assert {"category.updated", "scheme.updated"} <= set(_verbs())


def test_mapping_of_a_draft_is_changed_through_the_service(
    client, staff, draft_catalogue, catalogue_v1
):
    client.force_login(staff)
    assessment = AssessmentCriterion.objects.get(scheme__version=draft_catalogue, code="O-3.1")
    url = f"{ADMIN}assessmentcriterion/{assessment.pk}/change/"
    form = client.get(url).context["adminform"].form
    assert set(form.fields["verifies"].queryset) == set(draft_catalogue.criteria.all())

    wanted = draft_catalogue.criteria.get(code="2.3.1")
    response = client.post(url, {"verifies": [wanted.pk], "_save": "Save"})
    assert response.status_code == 302
    assert [c.code for c in assessment.verifies.all()] == ["2.3.1"]
    assert "mapping.updated" in _verbs()

    foreign = catalogue_v1.criteria.get(code="2.3.1")
    response = client.post(url, {"verifies": [foreign.pk], "_save": "Save"})
    assert response.status_code == 200
    assert [c.code for c in assessment.verifies.all()] == ["2.3.1"]


def test_non_staff_never_reach_the_catalogue_admin(client, alice, office_user):
    for user in (alice, office_user):  # the office without staff status neither
        client.force_login(user)
        response = client.get(f"{ADMIN}criterion/")
        assert response.status_code == 302
        assert "/login" in response["Location"]
    assert CatalogueVersion.objects.count() == 0
