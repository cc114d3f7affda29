"""The "(optional)" label is true everywhere: a field shown as optional may be left empty.

includes/field.html marks a required field with "*" and every other one "(optional)". The
walk over every form of the portal checks that no label carries its own "(optional)" (it
would read twice); the cases below are the fields that are refused empty in some cases or
as one of several, which must carry neither mark (cpo_portal/forms.py).
"""

import importlib
import pkgutil
from types import SimpleNamespace

import pytest
from django import forms
from django.template.loader import render_to_string
from django.utils import translation

from certification.forms.applications import WithdrawForm
from certification.forms.self_assessment import AnswerForm as SelfAssessmentAnswerForm
from certification.forms.self_assessment import EvidenceForm
from community.forms.conference import ConferenceForm
from community.forms.proposals import MoveForm
from cpo_portal.forms import conditionally_required, is_conditionally_required
from criteria.forms.catalogue import CategoryForm
from signees.forms.statements import AnswerForm as StatementAnswerForm

PROJECT_PACKAGES = ("cpo_portal", "criteria", "signees", "community", "certification")


def _label(bound_field) -> str:
    html = render_to_string("includes/field.html", {"field": bound_field})
    return html.split("<label", 1)[1].split("</label>", 1)[0]


def _portal_form_classes() -> list[type[forms.BaseForm]]:
    for package_name in PROJECT_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            name = module.name
            if ".migrations" in name or ".management" in name or name.endswith("settings"):
                continue
            # The layer modules and, since the layers are packages, every concern inside them.
            if any(part.startswith(("forms", "views", "api")) for part in name.split(".")[1:]):
                importlib.import_module(name)
    found: list[type[forms.BaseForm]] = []
    pending: list[type] = [forms.Form, forms.ModelForm]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.__module__.split(".")[0] in PROJECT_PACKAGES:
                found.append(sub)
    return found


def test_the_walk_finds_the_portal_forms():
    names = {cls.__name__ for cls in _portal_form_classes()}
    assert {"WithdrawForm", "EvidenceForm", "ConferenceForm", "MoveForm", "AnswerForm"} <= names


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_label_of_any_portal_form_says_optional_itself(language):
    """The template adds "(optional)"; a label that says it too reads it twice."""
    with translation.override(language):
        optional = translation.gettext("optional")
        offenders = [
            f"{cls.__module__}.{cls.__name__}.{name}"
            for cls in _portal_form_classes()
            for name, field in cls.base_fields.items()
            if field.label and optional.lower() in str(field.label).lower()
        ]
    assert offenders == []


def test_the_template_marks_required_optional_and_conditional_fields():
    class Sample(forms.Form):
        needed = forms.CharField(label="Needed")
        extra = forms.CharField(label="Extra", required=False)
        sometimes = conditionally_required(forms.CharField(label="Sometimes", required=False))

    form = Sample()
    assert 'class="required-mark"' in _label(form["needed"])
    assert "(optional)" not in _label(form["needed"])
    assert "(optional)" in _label(form["extra"])
    sometimes = _label(form["sometimes"])
    assert "(optional)" not in sometimes and "required-mark" not in sometimes
    assert is_conditionally_required(Sample.base_fields["sometimes"])
    # A form instance's fields are deep copies of the declared ones: the mark goes along.
    assert is_conditionally_required(form.fields["sometimes"])


# --- the fields that are refused empty in some cases -------------------------------------


def _criterion(na_allowed=True, evidence_required=False):
    return SimpleNamespace(pk=7, na_allowed=na_allowed, evidence_required=evidence_required)


def _not_marked_optional(form, name):
    label = _label(form[name])
    assert "(optional)" not in label, label
    assert is_conditionally_required(form.fields[name])


def test_certification_evidence_needs_a_file_or_a_link():
    form = EvidenceForm(data={"title": "Handbook"})
    assert not form.is_valid()  # neither a file nor a link
    for name in ("file", "url"):
        _not_marked_optional(form, name)
    assert "(optional)" in _label(form["title"])  # the title really is optional


def test_certification_answer_explanation_is_needed_for_not_applicable(db):
    # The service refuses a "not applicable" answer without an explanation
    # (tests/certification/test_self_assessment_services.py).
    _not_marked_optional(SelfAssessmentAnswerForm(criterion=_criterion()), "explanation")


def test_certification_answer_reason_without_evidence_is_needed_when_there_is_no_evidence(db):
    # Submission is refused while an evidence-required criterion has neither evidence nor a
    # reason (tests/certification/test_self_assessment_services.py); other criteria lack it.
    form = SelfAssessmentAnswerForm(criterion=_criterion(evidence_required=True))
    _not_marked_optional(form, "no_evidence_reason")
    assert "no_evidence_reason" not in SelfAssessmentAnswerForm(criterion=_criterion()).fields


def test_certification_withdraw_reason_reads_optional_once():
    label = _label(WithdrawForm()["reason"])
    assert label.count("optional") == 1, label
    assert WithdrawForm(data={"reason": ""}).is_valid()


def test_statement_answer_explanation_is_needed_unless_fulfilled():
    _not_marked_optional(StatementAnswerForm(criterion=_criterion()), "explanation")
    assert "(optional)" in _label(StatementAnswerForm(criterion=_criterion())["link"])


def test_conference_needs_a_venue_or_an_online_link():
    form = ConferenceForm(
        data={
            "year": "2030",
            "title": "CPO Conference",
            "starts_on": "2030-05-01",
            "ends_on": "2030-05-02",
            "capacity": "100",
            "registration_opens": "2030-01-01T09:00",
            "registration_closes": "2030-04-01T09:00",
        }
    )
    assert not form.is_valid()
    assert "venue" in form.errors
    for name in ("venue", "online_url"):
        _not_marked_optional(form, name)
    assert "(optional)" in _label(form["agenda"])


def test_proposal_move_rationale_is_needed_to_accept_reject_or_defer():
    _not_marked_optional(MoveForm(current="submitted"), "rationale")


def test_catalogue_titles_are_needed_in_at_least_one_language():
    category = SimpleNamespace(
        version=SimpleNamespace(languages=["en", "de"]),
        title_en="",
        title_de="",
        description_en="",
        description_de="",
    )
    form = CategoryForm(data={}, category=category)
    assert not form.is_valid()
    assert "title_en" in form.errors
    for name in ("title_en", "title_de"):
        _not_marked_optional(form, name)
    # Descriptions may stay empty in every language.
    assert "(optional)" in _label(form["description_en"])
