"""The catalogue's pages: the public versions, one version, one criterion and the diff; and the
CPO office's versions, import, export, publishing and draft editing (under /office/criteria/).

Only published and retired versions are public. A draft is a 404 for everyone there, the
office included: the office previews drafts in its own pages, never under a public URL.

The office's pages look every object up inside its version (from the URL's version code),
never by id alone. Every change goes through a service; a refusal (DomainError) becomes a form
error or a message, never an error page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms import Form
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _

from cpo_portal.accounts.decorators import office_required
from cpo_portal.documents.models import DocumentStatus
from cpo_portal.exports import csv_response
from cpo_portal.http import AuthenticatedRequest, PortalRequest
from cpo_portal.pagecache import public_page
from cpo_portal.pagination import paginate

from ..diff import CriterionChange, WordDiff, catalogue_diff
from ..documents import PDF_LANGUAGES, catalogue_pdf_filename
from ..forms.catalogue import (
    CatalogueFilterForm,
    CategoryForm,
    ConfirmForm,
    CriterionForm,
    ImportForm,
    NewDraftForm,
    VersionPairForm,
    version_languages,
)
from ..interchange import CatalogueInvalid, ImportError_, dump, parse
from ..models import (
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
from ..selectors import catalogue as selectors
from ..selectors.catalogue import CSV_COLUMNS, Summary, criteria_csv_rows, version_summary
from ..selectors.schemes import schemes_of_version
from ..services.catalogue import (
    catalogue_create_draft,
    catalogue_import,
    catalogue_pdf_request,
    catalogue_publish,
    catalogue_retire,
    category_save,
    criterion_delete,
    criterion_save,
)

# How binding an obligation is: a change upwards is what readers of a diff must not miss.
OBLIGATION_RANK: dict[str, int] = {
    Obligation.MAY.value: 1,
    Obligation.SHOULD.value: 2,
    Obligation.SHALL.value: 3,
}
EXPORT_TYPES = {
    "yaml": "application/yaml; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


# --- The public pages: lookups ---------------------------------------------------------


def version_context(version: CatalogueVersion, *, is_current: bool | None = None) -> dict[str, Any]:
    """What the head of every public page of one version needs (two small queries)."""
    if is_current is None:
        current = selectors.current_published_version()
        is_current = current is not None and current.pk == version.pk
    return {
        "version": version,
        "is_current": is_current,
        "scheme_kinds": list(version.schemes.values_list("kind", flat=True)),
    }


def public_version_or_404(code: str) -> CatalogueVersion:
    version = selectors.public_version(code)
    if version is None:
        raise Http404(_("There is no published catalogue version %(version)s.") % {"version": code})
    return version


def _default_pair(versions: list[CatalogueVersion]) -> dict[str, str]:
    """The previous version against the newest: what most visitors want to see."""
    if len(versions) < 2:
        return {}
    return {"from": versions[1].code, "to": versions[0].code}


# --- The public catalogue ----------------------------------------------------------------


def _catalogue(
    request: PortalRequest, version: CatalogueVersion, *, is_current: bool | None = None
) -> HttpResponse:
    form = CatalogueFilterForm(request.GET or None)
    filters = form.filters()
    page = selectors.catalogue_page(version, filters)
    return render(
        request,
        "criteria/catalogue/catalogue.html",
        {
            **version_context(version, is_current=is_current),
            "form": form,
            "filtering": bool(filters.q or filters.obligation or filters.group),
            **page,
        },
    )


@public_page
def current_catalogue(request: PortalRequest) -> HttpResponse:
    version = selectors.current_published_version()
    if version is None:
        return render(
            request,
            "criteria/catalogue/no_catalogue.html",
            {"has_versions": selectors.public_versions().exists()},
        )
    return _catalogue(request, version, is_current=True)


@public_page
def catalogue(request: PortalRequest, version: str) -> HttpResponse:
    return _catalogue(request, public_version_or_404(version))


@public_page
def versions(request: PortalRequest) -> HttpResponse:
    listed = selectors.public_versions().annotate(criteria_count=Count("criteria"))
    choices = list(selectors.public_versions().only("code", "status"))
    current = next((v for v in choices if v.status == VersionStatus.PUBLISHED), None)
    page = paginate(request, listed)
    return render(
        request,
        "criteria/catalogue/versions.html",
        {
            "page": page,
            "has_demo": any(v.is_demo for v in page.object_list),
            "current": current,
            "diff_form": VersionPairForm(versions=choices, initial=_default_pair(choices)),
        },
    )


# --- The printable edition ------------------------------------------------------------------


def catalogue_pdf(request: PortalRequest, version: str, language: str) -> HttpResponseBase:
    """The PDF of a published version in English or German, rendered on first request.

    Not a cached public page: until the file is ready it answers "being prepared" (202 with
    Retry-After), which no cache may keep. Without a broker the first request renders it.
    """
    found = public_version_or_404(version)
    if language not in PDF_LANGUAGES:
        raise Http404(_("The catalogue is printed in English and German only."))
    document = selectors.catalogue_pdf_document(found, language)
    if document is None or not document.is_ready:
        catalogue_pdf_request(version=found, language=language)
        # Read again: without a broker the rendering ran when the request committed.
        document = selectors.catalogue_pdf_document(found, language)
    if document is not None and document.is_ready:
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=catalogue_pdf_filename(found, language),
            content_type="application/pdf",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = f"public, max-age={settings.PUBLIC_MAX_AGE}"
        return response
    failed = document is not None and document.status == DocumentStatus.FAILED
    waiting = render(
        request,
        "criteria/catalogue/pdf_pending.html",
        {**version_context(found), "language": language, "failed": failed},
        status=202,
    )
    waiting["Retry-After"] = "30"
    waiting["Cache-Control"] = "no-store"
    return waiting


# --- One criterion ------------------------------------------------------------------------


@dataclass
class SchemeMapping:
    kind: str
    scheme: AssessmentScheme
    criteria: list[AssessmentCriterion]


def _verified_by(criterion: Criterion) -> list[SchemeMapping]:
    """The assessment criteria that verify `criterion`, grouped by scheme in scheme order."""
    groups: dict[str, SchemeMapping] = {}
    for ac in sorted(
        criterion.verified_by.all(),
        key=lambda a: (SchemeKind.values.index(a.scheme.kind), a.area.position, a.position),
    ):
        groups.setdefault(
            ac.scheme.kind, SchemeMapping(ac.scheme.kind, ac.scheme, [])
        ).criteria.append(ac)
    return list(groups.values())


@public_page
def criterion(request: PortalRequest, version: str, code: str) -> HttpResponse:
    found = public_version_or_404(version)
    item = selectors.criterion_of_version(found, code)
    if item is None:
        message = _("Version %(version)s has no criterion %(code)s.")
        raise Http404(message % {"version": found.code, "code": code})
    return render(
        request,
        "criteria/catalogue/criterion.html",
        {**version_context(found), "criterion": item, "verified_by": _verified_by(item)},
    )


# --- Diff ---------------------------------------------------------------------------------


@dataclass
class TextChange:
    field: str
    language: str
    language_name: str
    diff: WordDiff


@dataclass
class ChangeRow:
    change: CriterionChange
    raised: bool
    texts: list[TextChange]  # in the page's language
    other_texts: list[TextChange]  # in the catalogue's other language(s)


def _change_row(change: CriterionChange, active: str) -> ChangeRow:
    labels = {"title": _("Title"), "text": _("Text")}
    texts = [
        TextChange(labels.get(name, name), lang, _(get_language_info(lang)["name"]), diff)
        for name, by_language in change.texts.items()
        for lang, diff in by_language.items()
    ]
    mine = [t for t in texts if t.language == active]
    others = [t for t in texts if t.language != active]
    if not mine:  # nothing changed in the page's language: show what did change
        mine, others = others, []
    return ChangeRow(
        change=change,
        raised=OBLIGATION_RANK.get(change.new.obligation, 0)
        > OBLIGATION_RANK.get(change.old.obligation, 0),
        texts=mine,
        other_texts=others,
    )


@public_page
def diff(request: PortalRequest) -> HttpResponse:
    choices = list(selectors.public_versions())
    if not request.GET:
        form = VersionPairForm(versions=choices, initial=_default_pair(choices))
        return render(request, "criteria/catalogue/diff.html", {"form": form})
    form = VersionPairForm(request.GET, versions=choices)
    if not form.is_valid():
        return render(request, "criteria/catalogue/diff.html", {"form": form}, status=400)
    old, new = form.pair()
    result = catalogue_diff(old, new)
    active = (get_language() or "en")[:2]
    rows = [_change_row(c, active) for c in result.changed]
    return render(
        request,
        "criteria/catalogue/diff.html",
        {
            "form": form,
            "diff": result,
            "old": old,
            "new": new,
            "summary": result.summary(),
            "obligation_rows": [r for r in rows if r.change.obligation_changed],
            "other_rows": [r for r in rows if not r.change.obligation_changed],
        },
    )


# --- The CPO office: lookups and helpers --------------------------------------------------


def office_version(code: str) -> CatalogueVersion:
    """Any version, drafts included (the office's pages only)."""
    return get_object_or_404(CatalogueVersion, code=code)


def _category(version: CatalogueVersion, pk: int) -> Category:
    category = get_object_or_404(version.categories.all(), pk=pk)
    category.version = version
    return category


def _criterion(version: CatalogueVersion, pk: int) -> Criterion:
    criterion = get_object_or_404(version.criteria.select_related("category"), pk=pk)
    criterion.version = version
    return criterion


def posted(request: PortalRequest, *, files: bool = False) -> Any:
    """The form data of a POST (even an empty one: it is still a submission), else None."""
    if request.method != "POST":
        return (None, None) if files else None
    return (request.POST, request.FILES) if files else request.POST


def office_version_url(version: CatalogueVersion, anchor: str = "") -> str:
    url = reverse("criteria:office_version", kwargs={"code": version.code})
    return f"{url}#{anchor}" if anchor else url


def refuse_form_wide(form: Form, exc: ValidationError) -> None:
    # Service refusals carry user-facing messages; model validation may carry a field dict
    # whose names need not match the form's, so both become form-wide errors.
    form.add_error(None, exc.messages)


def read_only(request: PortalRequest, version: CatalogueVersion) -> HttpResponse:
    messages.error(
        request,
        _(
            "Version %(version)s is %(status)s and cannot be changed. "
            "Create a new draft from it instead."
        )
        % {"version": version.code, "status": status_in_sentence(version.status)},
    )
    return redirect(office_version_url(version))


def nothing_changed(request: PortalRequest, version: CatalogueVersion, anchor: str) -> HttpResponse:
    messages.info(request, _("Nothing was changed."))
    return redirect(office_version_url(version, anchor))


# --- The CPO office: versions ---------------------------------------------------------------


@office_required
def office_version_list(request: AuthenticatedRequest) -> HttpResponse:
    page = paginate(request, selectors.versions_with_counts_for_office(), per_page=25)
    return render(
        request,
        "criteria/catalogue/office_version_list.html",
        {"page": page, "current": selectors.current_published_version()},
    )


@office_required
def office_version_detail(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """Every version, drafts included, read-only; drafts link to their edit forms."""
    version = office_version(code)
    categories = list(version.categories.order_by("position"))
    by_category: dict[int, list[Criterion]] = {c.pk: [] for c in categories}
    for criterion in selectors.criteria_of_version(version):
        by_category[criterion.category_id].append(criterion)
    return render(
        request,
        "criteria/catalogue/office_version_detail.html",
        {
            "version": version,
            "blocks": [(c, by_category[c.pk]) for c in categories],
            "criterion_count": sum(len(v) for v in by_category.values()),
            "schemes": schemes_of_version(version),
            "languages": version_languages(version),
        },
    )


@office_required
def office_version_new_draft(request: AuthenticatedRequest) -> HttpResponse:
    initial = {"source": request.GET.get("source")} if request.GET.get("source") else None
    form = NewDraftForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            draft = catalogue_create_draft(
                source=form.cleaned_data["source"], code=form.cleaned_data["code"], by=request.user
            )
        except ValidationError as exc:
            refuse_form_wide(form, exc)
        else:
            messages.success(
                request,
                _("Draft %(version)s created as a copy of %(source)s. It is not public yet.")
                % {"version": draft.code, "source": form.cleaned_data["source"].code},
            )
            return redirect(office_version_url(draft))
    return render(request, "criteria/catalogue/office_version_new_draft.html", {"form": form})


def _lifecycle(
    request: AuthenticatedRequest,
    code: str,
    *,
    action: str,
    allowed_from: str,
    service: Callable[..., CatalogueVersion],
    confirm: str,
    done: str,
) -> HttpResponse:
    """The confirmation page of publish and retire: GET summarises, POST with confirm acts."""
    version = office_version(code)
    if request.method != "POST" and version.status != allowed_from:
        messages.error(
            request,
            _("Version %(version)s is %(status)s; this step is not possible.")
            % {"version": version.code, "status": status_in_sentence(version.status)},
        )
        return redirect(office_version_url(version))
    form = ConfirmForm(posted(request), label=confirm % {"version": version.code})
    if request.method == "POST" and form.is_valid():
        try:
            service(version=version, by=request.user)
        except ValidationError as exc:
            refuse_form_wide(form, exc)
        else:
            messages.success(request, done % {"version": version.code})
            return redirect(office_version_url(version))
    return render(
        request,
        "criteria/catalogue/office_version_confirm.html",
        {
            "version": version,
            "action": action,
            "form": form,
            "summary": version_summary(version),
            "current": selectors.current_published_version(),
        },
    )


@office_required
def office_version_publish(request: AuthenticatedRequest, code: str) -> HttpResponse:
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
def office_version_retire(request: AuthenticatedRequest, code: str) -> HttpResponse:
    return _lifecycle(
        request,
        code,
        action="retire",
        allowed_from=VersionStatus.PUBLISHED,
        service=catalogue_retire,
        confirm=_("I understand that version %(version)s will no longer be in force."),
        done=_("Version %(version)s is retired."),
    )


# --- The CPO office: import and export -------------------------------------------------------


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
def office_catalogue_import(request: AuthenticatedRequest) -> HttpResponse:
    form = ImportForm(*posted(request, files=True))
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
            refuse_form_wide(form, exc)
        else:
            messages.success(request, _import_message(version, outcome, version_summary(version)))
            return redirect(office_version_url(version))
    return render(
        request,
        "criteria/catalogue/office_import.html",
        {
            "form": form,
            "import_errors": errors,
            "file_name": getattr(form.files.get("file"), "name", ""),
        },
    )


@office_required
def office_version_export(
    request: AuthenticatedRequest, code: str, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    if fmt not in EXPORT_TYPES:
        raise Http404
    version = office_version(code)
    response: HttpResponse | StreamingHttpResponse
    # Version codes are letters, digits, dots, dashes and underscores: safe in a header.
    if fmt == "csv":
        filename = f"cpo-criteria-{version.code}.csv"
        response = csv_response(filename, CSV_COLUMNS, criteria_csv_rows(version))
    else:
        response = HttpResponse(
            dump(selectors.catalogue_as_canonical(version), fmt), content_type=EXPORT_TYPES[fmt]
        )
        filename = f"cpo-catalogue-{version.code}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- The CPO office: editing a draft ----------------------------------------------------------


@office_required
def office_category_edit(request: AuthenticatedRequest, code: str, pk: int) -> HttpResponse:
    version = office_version(code)
    category = _category(version, pk)
    if request.method != "POST" and not version.is_draft:
        return read_only(request, version)
    form = CategoryForm(posted(request), category=category)
    if request.method == "POST" and form.is_valid():
        if not form.changed_data:
            return nothing_changed(request, version, f"category-{category.pk}")
        try:
            category_save(
                category=category,
                by=request.user,
                **{f: form.cleaned_data[f] for f in form.changed_data},
            )
        except ValidationError as exc:
            refuse_form_wide(form, exc)
        else:
            messages.success(request, _("Category %(number)s saved.") % {"number": category.number})
            return redirect(office_version_url(version, f"category-{category.pk}"))
    return render(
        request,
        "criteria/catalogue/office_category_form.html",
        {"version": version, "category": category, "form": form},
    )


def _criterion_form(
    request: AuthenticatedRequest, version: CatalogueVersion, criterion: Criterion | None
) -> HttpResponse:
    if request.method != "POST" and not version.is_draft:
        return read_only(request, version)
    form = CriterionForm(posted(request), version=version, criterion=criterion)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if criterion is not None and not changes:
            return nothing_changed(request, version, f"criterion-{criterion.pk}")
        if "category" in changes:
            # A new or moved criterion goes to the end of its category.
            changes["position"] = changes["category"].criteria.count()
        try:
            saved = criterion_save(version=version, by=request.user, criterion=criterion, **changes)
        except ValidationError as exc:
            refuse_form_wide(form, exc)
        else:
            messages.success(request, _("Criterion %(code)s saved.") % {"code": saved.code})
            return redirect(office_version_url(version, f"criterion-{saved.pk}"))
    return render(
        request,
        "criteria/catalogue/office_criterion_form.html",
        {"version": version, "criterion": criterion, "form": form},
    )


@office_required
def office_criterion_add(request: AuthenticatedRequest, code: str) -> HttpResponse:
    return _criterion_form(request, office_version(code), None)


@office_required
def office_criterion_edit(request: AuthenticatedRequest, code: str, pk: int) -> HttpResponse:
    version = office_version(code)
    return _criterion_form(request, version, _criterion(version, pk))


@office_required
def office_criterion_delete(request: AuthenticatedRequest, code: str, pk: int) -> HttpResponse:
    version = office_version(code)
    criterion = _criterion(version, pk)
    if request.method != "POST" and not version.is_draft:
        return read_only(request, version)
    form = ConfirmForm(
        posted(request),
        label=_("Delete criterion %(code)s from draft %(version)s.")
        % {"code": criterion.code, "version": version.code},
    )
    if request.method == "POST" and form.is_valid():
        try:
            criterion_delete(criterion=criterion, by=request.user)
        except ValidationError as exc:
            refuse_form_wide(form, exc)
        else:
            messages.success(request, _("Criterion %(code)s deleted.") % {"code": criterion.code})
            return redirect(office_version_url(version, f"category-{criterion.category_id}"))
    return render(
        request,
        "criteria/catalogue/office_criterion_delete.html",
        {
            "version": version,
            "criterion": criterion,
            "form": form,
            "verified_by": selectors.verifiers_for_office(criterion),
        },
    )
