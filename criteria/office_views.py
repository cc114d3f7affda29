"""The CPO office's catalogue pages: versions, import, export, publishing and draft editing.

Every object is looked up inside its version (from the URL's version code), never by id
alone. Every change goes through a service; a refusal (DomainError) becomes a form error
or a message, never an error page.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cpo_portal.accounts.decorators import office_required
from cpo_portal.pagination import paginate

from .forms import (
    CategoryForm,
    ConfirmForm,
    CriterionForm,
    ImportForm,
    MappingForm,
    NewDraftForm,
    SchemeForm,
    version_languages,
)
from .interchange import CatalogueInvalid, ImportError_, dump, parse
from .models import (
    AssessmentCriterion,
    AssessmentScheme,
    CatalogueVersion,
    Category,
    Criterion,
    Obligation,
    SchemeKind,
    VersionStatus,
    status_in_sentence,
)
from .selectors import (
    all_versions_for_office,
    catalogue_as_canonical,
    criteria_of_version,
    current_published_version,
    schemes_of_version,
)
from .services import (
    assessment_criterion_map,
    catalogue_create_draft,
    catalogue_import,
    catalogue_publish,
    catalogue_retire,
    category_save,
    criterion_delete,
    criterion_save,
    scheme_save,
)

CSV_COLUMNS = [
    "version",
    "category",
    "code",
    "obligation",
    "applies_to",
    "title_en",
    "title_de",
    "text_en",
    "text_de",
]
EXPORT_TYPES = {
    "yaml": "application/yaml; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


# --- lookups ------------------------------------------------------------------------------


def _version(code: str) -> CatalogueVersion:
    return get_object_or_404(CatalogueVersion, code=code)


def _category(version: CatalogueVersion, pk: int) -> Category:
    category = get_object_or_404(version.categories.all(), pk=pk)
    category.version = version
    return category


def _criterion(version: CatalogueVersion, pk: int) -> Criterion:
    criterion = get_object_or_404(version.criteria.select_related("category"), pk=pk)
    criterion.version = version
    return criterion


def _scheme(version: CatalogueVersion, kind: str) -> AssessmentScheme:
    scheme = get_object_or_404(version.schemes.all(), kind=kind)
    scheme.version = version
    return scheme


def _assessment(scheme: AssessmentScheme, pk: int) -> AssessmentCriterion:
    assessment = get_object_or_404(scheme.assessment_criteria.select_related("area"), pk=pk)
    assessment.scheme = scheme
    return assessment


# --- reads for the pages ------------------------------------------------------------------


def _count(model: Any, **match: Any) -> Subquery:
    rows = (
        model.objects.filter(**match).order_by().values(*match).annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)  # type: ignore[return-value]


def _versions_with_counts() -> QuerySet[CatalogueVersion]:
    return all_versions_for_office().annotate(
        category_count=_count(Category, version=OuterRef("pk")),
        criterion_count=_count(Criterion, version=OuterRef("pk")),
        scheme_count=_count(AssessmentScheme, version=OuterRef("pk")),
    )


@dataclass
class Summary:
    """What a version holds, for the confirmation pages and the import message."""

    categories: int
    criteria: int
    by_obligation: list[tuple[str, int]]
    schemes: int
    assessment_criteria: int
    mappings: int


def version_summary(version: CatalogueVersion) -> Summary:
    per_obligation = dict(
        version.criteria.order_by()
        .values_list("obligation")
        .annotate(n=Count("pk"))
        .values_list("obligation", "n")
    )
    return Summary(
        categories=version.categories.count(),
        criteria=sum(per_obligation.values()),
        by_obligation=[
            (str(label), per_obligation.get(value, 0)) for value, label in Obligation.choices
        ],
        schemes=version.schemes.count(),
        assessment_criteria=AssessmentCriterion.objects.filter(scheme__version=version).count(),
        mappings=AssessmentCriterion.verifies.through.objects.filter(
            criterion__version=version
        ).count(),
    )


# --- helpers ------------------------------------------------------------------------------


def _posted(request: HttpRequest, *, files: bool = False) -> Any:
    """The form data of a POST (even an empty one: it is still a submission), else None."""
    if request.method != "POST":
        return (None, None) if files else None
    return (request.POST, request.FILES) if files else request.POST


def _version_url(version: CatalogueVersion, anchor: str = "") -> str:
    url = reverse("criteria_office:version", kwargs={"code": version.code})
    return f"{url}#{anchor}" if anchor else url


def _refuse(form: Form, exc: ValidationError) -> None:
    # Service refusals carry user-facing messages; model validation may carry a field dict
    # whose names need not match the form's, so both become form-wide errors.
    form.add_error(None, exc.messages)


def _read_only(request: HttpRequest, version: CatalogueVersion) -> HttpResponse:
    messages.error(
        request,
        _(
            "Version %(version)s is %(status)s and cannot be changed. "
            "Create a new draft from it instead."
        )
        % {"version": version.code, "status": status_in_sentence(version.status)},
    )
    return redirect(_version_url(version))


def _nothing_changed(request: HttpRequest, version: CatalogueVersion, anchor: str) -> HttpResponse:
    messages.info(request, _("Nothing was changed."))
    return redirect(_version_url(version, anchor))


# --- versions -----------------------------------------------------------------------------


@office_required
def version_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, _versions_with_counts(), per_page=25)
    return render(
        request,
        "criteria/office/version_list.html",
        {"page": page, "current": current_published_version()},
    )


@office_required
def version_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Every version, drafts included, read-only; drafts link to their edit forms."""
    version = _version(code)
    categories = list(version.categories.order_by("position"))
    by_category: dict[int, list[Criterion]] = {c.pk: [] for c in categories}
    for criterion in criteria_of_version(version):
        by_category[criterion.category_id].append(criterion)
    return render(
        request,
        "criteria/office/version_detail.html",
        {
            "version": version,
            "blocks": [(c, by_category[c.pk]) for c in categories],
            "criterion_count": sum(len(v) for v in by_category.values()),
            "schemes": schemes_of_version(version),
            "languages": version_languages(version),
        },
    )


@office_required
def version_new_draft(request: HttpRequest) -> HttpResponse:
    initial = {"source": request.GET.get("source")} if request.GET.get("source") else None
    form = NewDraftForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            draft = catalogue_create_draft(
                source=form.cleaned_data["source"], code=form.cleaned_data["code"], by=request.user
            )
        except ValidationError as exc:
            _refuse(form, exc)
        else:
            messages.success(
                request,
                _("Draft %(version)s created as a copy of %(source)s. It is not public yet.")
                % {"version": draft.code, "source": form.cleaned_data["source"].code},
            )
            return redirect(_version_url(draft))
    return render(request, "criteria/office/version_new_draft.html", {"form": form})


def _lifecycle(
    request: HttpRequest,
    code: str,
    *,
    action: str,
    allowed_from: str,
    service: Any,
    confirm: str,
    done: str,
) -> HttpResponse:
    """The confirmation page of publish and retire: GET summarises, POST with confirm acts."""
    version = _version(code)
    if request.method != "POST" and version.status != allowed_from:
        messages.error(
            request,
            _("Version %(version)s is %(status)s; this step is not possible.")
            % {"version": version.code, "status": status_in_sentence(version.status)},
        )
        return redirect(_version_url(version))
    form = ConfirmForm(_posted(request), label=confirm % {"version": version.code})
    if request.method == "POST" and form.is_valid():
        try:
            service(version=version, by=request.user)
        except ValidationError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, done % {"version": version.code})
            return redirect(_version_url(version))
    return render(
        request,
        "criteria/office/version_confirm.html",
        {
            "version": version,
            "action": action,
            "form": form,
            "summary": version_summary(version),
            "current": current_published_version(),
        },
    )


@office_required
def version_publish(request: HttpRequest, code: str) -> HttpResponse:
    return _lifecycle(
        request,
        code,
        action="publish",
        allowed_from=VersionStatus.DRAFT,
        service=catalogue_publish,
        confirm=_("I understand that version %(version)s becomes public and can never be changed."),
        done=_("Version %(version)s is published. It can no longer be changed."),
    )


@office_required
def version_retire(request: HttpRequest, code: str) -> HttpResponse:
    return _lifecycle(
        request,
        code,
        action="retire",
        allowed_from=VersionStatus.PUBLISHED,
        service=catalogue_retire,
        confirm=_("I understand that version %(version)s will no longer be in force."),
        done=_("Version %(version)s is retired."),
    )


# --- import and export --------------------------------------------------------------------


def _import_message(version: CatalogueVersion, outcome: str, summary: Summary) -> str:
    counts = _(
        "%(categories)s categories, %(criteria)s criteria, %(schemes)s schemes, "
        "%(assessment)s assessment criteria, %(mappings)s mapping links."
    ) % {
        "categories": summary.categories,
        "criteria": summary.criteria,
        "schemes": summary.schemes,
        "assessment": summary.assessment_criteria,
        "mappings": summary.mappings,
    }
    outcomes = {
        "created": _("Version %(version)s was created (%(status)s)."),
        "replaced": _("The draft %(version)s was replaced with the file's content (%(status)s)."),
        "unchanged": _(
            "Version %(version)s is unchanged: the file matches the stored content (%(status)s)."
        ),
    }
    status = status_in_sentence(version.status)
    return f"{outcomes[outcome] % {'version': version.code, 'status': status}} {counts}"


@office_required
def catalogue_upload(request: HttpRequest) -> HttpResponse:
    form = ImportForm(*_posted(request, files=True))
    errors: list[ImportError_] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = parse(upload.read(), filename=upload.name.lower())
            version, outcome = catalogue_import(
                data=data, by=request.user, publish=form.cleaned_data["publish"]
            )
        except CatalogueInvalid as exc:
            errors = exc.errors
        except ValidationError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _import_message(version, outcome, version_summary(version)))
            return redirect(_version_url(version))
    return render(
        request,
        "criteria/office/import.html",
        {
            "form": form,
            "import_errors": errors,
            "file_name": getattr(form.files.get("file"), "name", ""),
        },
    )


class _Echo:
    """A file-like object for csv.writer that hands each row back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_rows(version: CatalogueVersion) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    rows = (
        Criterion.objects.filter(version=version)
        .select_related("category")
        .order_by("category__position", "position")
        .only(
            "code",
            "obligation",
            "applies_to",
            "title_en",
            "title_de",
            "text_en",
            "text_de",
            "category__number",
        )
    )
    for c in rows.iterator(chunk_size=500):
        yield writer.writerow(
            [
                version.code,
                c.category.number,
                c.code,
                c.obligation,
                " ".join(c.applies_to),
                c.title_en,
                c.title_de,
                c.text_en,
                c.text_de,
            ]
        )


@office_required
def version_export(
    request: HttpRequest, code: str, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    if fmt not in EXPORT_TYPES:
        raise Http404
    version = _version(code)
    response: HttpResponse | StreamingHttpResponse
    if fmt == "csv":
        response = StreamingHttpResponse(csv_rows(version), content_type=EXPORT_TYPES[fmt])
        filename = f"cpo-criteria-{version.code}.csv"
    else:
        response = HttpResponse(
            dump(catalogue_as_canonical(version), fmt), content_type=EXPORT_TYPES[fmt]
        )
        filename = f"cpo-catalogue-{version.code}.{fmt}"
    # Version codes are letters, digits, dots, dashes and underscores: safe in a header.
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- editing a draft ----------------------------------------------------------------------


@office_required
def category_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    version = _version(code)
    category = _category(version, pk)
    if request.method != "POST" and not version.is_draft:
        return _read_only(request, version)
    form = CategoryForm(_posted(request), category=category)
    if request.method == "POST" and form.is_valid():
        if not form.changed_data:
            return _nothing_changed(request, version, f"category-{category.pk}")
        try:
            category_save(
                category=category,
                by=request.user,
                **{f: form.cleaned_data[f] for f in form.changed_data},
            )
        except ValidationError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _("Category %(number)s saved.") % {"number": category.number})
            return redirect(_version_url(version, f"category-{category.pk}"))
    return render(
        request,
        "criteria/office/category_form.html",
        {"version": version, "category": category, "form": form},
    )


def _criterion_form(
    request: HttpRequest, version: CatalogueVersion, criterion: Criterion | None
) -> HttpResponse:
    if request.method != "POST" and not version.is_draft:
        return _read_only(request, version)
    form = CriterionForm(_posted(request), version=version, criterion=criterion)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if criterion is not None and not changes:
            return _nothing_changed(request, version, f"criterion-{criterion.pk}")
        if "category" in changes:
            # A new or moved criterion goes to the end of its category.
            changes["position"] = changes["category"].criteria.count()
        try:
            saved = criterion_save(version=version, by=request.user, criterion=criterion, **changes)
        except ValidationError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _("Criterion %(code)s saved.") % {"code": saved.code})
            return redirect(_version_url(version, f"criterion-{saved.pk}"))
    return render(
        request,
        "criteria/office/criterion_form.html",
        {"version": version, "criterion": criterion, "form": form},
    )


@office_required
def criterion_add(request: HttpRequest, code: str) -> HttpResponse:
    return _criterion_form(request, _version(code), None)


@office_required
def criterion_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    version = _version(code)
    return _criterion_form(request, version, _criterion(version, pk))


@office_required
def criterion_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    version = _version(code)
    criterion = _criterion(version, pk)
    if request.method != "POST" and not version.is_draft:
        return _read_only(request, version)
    form = ConfirmForm(
        _posted(request),
        label=_("Delete criterion %(code)s from draft %(version)s.")
        % {"code": criterion.code, "version": version.code},
    )
    if request.method == "POST" and form.is_valid():
        try:
            criterion_delete(criterion=criterion, by=request.user)
        except ValidationError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _("Criterion %(code)s deleted.") % {"code": criterion.code})
            return redirect(_version_url(version, f"category-{criterion.category_id}"))
    return render(
        request,
        "criteria/office/criterion_delete.html",
        {
            "version": version,
            "criterion": criterion,
            "form": form,
            # links == 1: the assessment criterion verifies nothing once this one is gone.
            "verified_by": criterion.verified_by.select_related("scheme")
            .annotate(
                links=_count(
                    AssessmentCriterion.verifies.through, assessmentcriterion=OuterRef("pk")
                )
            )
            .order_by("code"),
        },
    )


@office_required
def scheme_edit(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    if kind not in SchemeKind.values:
        raise Http404
    version = _version(code)
    scheme = _scheme(version, kind)
    if request.method != "POST" and not version.is_draft:
        return _read_only(request, version)
    form = SchemeForm(_posted(request), scheme=scheme)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            return _nothing_changed(request, version, f"scheme-{scheme.kind}")
        try:
            scheme_save(scheme=scheme, by=request.user, **changes)
        except ValidationError as exc:
            _refuse(form, exc)
        else:
            messages.success(
                request, _("%(scheme)s saved.") % {"scheme": scheme.get_kind_display()}
            )
            return redirect(_version_url(version, f"scheme-{scheme.kind}"))
    return render(
        request,
        "criteria/office/scheme_form.html",
        {"version": version, "scheme": scheme, "form": form},
    )


@office_required
def mapping_edit(request: HttpRequest, code: str, kind: str, pk: int) -> HttpResponse:
    if kind not in SchemeKind.values:
        raise Http404
    version = _version(code)
    assessment = _assessment(_scheme(version, kind), pk)
    if request.method != "POST" and not version.is_draft:
        return _read_only(request, version)
    form = MappingForm(_posted(request), assessment=assessment)
    if request.method == "POST" and form.is_valid():
        if not form.changed_data:
            return _nothing_changed(request, version, f"assessment-{assessment.pk}")
        try:
            assessment_criterion_map(
                assessment=assessment,
                criteria=list(form.cleaned_data["verifies"]),
                by=request.user,
            )
        except ValidationError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _("Mapping of %(code)s saved.") % {"code": assessment.code})
            return redirect(_version_url(version, f"assessment-{assessment.pk}"))
    return render(
        request,
        "criteria/office/mapping_form.html",
        {"version": version, "assessment": assessment, "form": form},
    )
