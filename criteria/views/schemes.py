"""The assessment schemes' pages: a scheme of a public version, and the CPO office's editing of
a draft's scheme (titles, pass rule) and of an assessment criterion's mapping."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cpo_portal.accounts.decorators import office_required
from cpo_portal.http import AuthenticatedRequest, PortalRequest
from cpo_portal.pagecache import public_page

from ..forms.schemes import MappingForm, SchemeForm
from ..models import AssessmentCriterion, AssessmentScheme, CatalogueVersion, SchemeKind
from ..selectors.schemes import scheme_of_version
from ..services.schemes import assessment_criterion_map, scheme_save
from .catalogue import (
    nothing_changed,
    office_version,
    office_version_url,
    posted,
    public_version_or_404,
    read_only,
    refuse_form_wide,
    version_context,
)


def _scheme(version: CatalogueVersion, kind: str) -> AssessmentScheme:
    scheme = get_object_or_404(version.schemes.all(), kind=kind)
    scheme.version = version
    return scheme


def _assessment(scheme: AssessmentScheme, pk: int) -> AssessmentCriterion:
    assessment = get_object_or_404(scheme.assessment_criteria.select_related("area"), pk=pk)
    assessment.scheme = scheme
    return assessment


@public_page
def scheme(request: PortalRequest, version: str, kind: str) -> HttpResponse:
    found = public_version_or_404(version)
    item = scheme_of_version(found, kind) if kind in SchemeKind.values else None
    if item is None:
        raise Http404(_("This version has no such assessment scheme."))
    return render(
        request,
        "criteria/schemes/scheme.html",
        {**version_context(found), "scheme": item},
    )


@office_required
def office_scheme_edit(request: AuthenticatedRequest, code: str, kind: str) -> HttpResponse:
    if kind not in SchemeKind.values:
        raise Http404
    version = office_version(code)
    scheme = _scheme(version, kind)
    if request.method != "POST" and not version.is_draft:
        return read_only(request, version)
    form = SchemeForm(posted(request), scheme=scheme)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            return nothing_changed(request, version, f"scheme-{scheme.kind}")
        try:
            scheme_save(scheme=scheme, by=request.user, **changes)
        except ValidationError as exc:
            refuse_form_wide(form, exc)
        else:
            messages.success(
                request, _("%(scheme)s saved.") % {"scheme": scheme.get_kind_display()}
            )
            return redirect(office_version_url(version, f"scheme-{scheme.kind}"))
    return render(
        request,
        "criteria/schemes/office_scheme_form.html",
        {"version": version, "scheme": scheme, "form": form},
    )


@office_required
def office_mapping_edit(
    request: AuthenticatedRequest, code: str, kind: str, pk: int
) -> HttpResponse:
    if kind not in SchemeKind.values:
        raise Http404
    version = office_version(code)
    assessment = _assessment(_scheme(version, kind), pk)
    if request.method != "POST" and not version.is_draft:
        return read_only(request, version)
    form = MappingForm(posted(request), assessment=assessment)
    if request.method == "POST" and form.is_valid():
        if not form.changed_data:
            return nothing_changed(request, version, f"assessment-{assessment.pk}")
        try:
            assessment_criterion_map(
                assessment=assessment,
                criteria=list(form.cleaned_data["verifies"]),
                by=request.user,
            )
        except ValidationError as exc:
            refuse_form_wide(form, exc)
        else:
            messages.success(request, _("Mapping of %(code)s saved.") % {"code": assessment.code})
            return redirect(office_version_url(version, f"assessment-{assessment.pk}"))
    return render(
        request,
        "criteria/schemes/office_mapping_form.html",
        {"version": version, "assessment": assessment, "form": form},
    )
