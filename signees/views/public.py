"""Public signee pages: the list with its exports, one signee, and the portal's home page.

Everything here reads through `signees.selectors`, which only ever returns approved
signees. Visitors get cacheable pages; signed-in users never do (the header names them).
"""

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cpo_portal.pagecache import public_page

from .. import extensions, selectors
from ..models import Signee, SigneeGroup, Statement, StatementKind

PAGE_SIZE = 50
LATEST_ON_HOME = 5
# Send the export in pieces of about this many characters, not one tiny piece per row.
EXPORT_PIECE = 64 * 1024
EXPORT_COLUMNS = (
    "name",
    "legal_name",
    "group",
    "country",
    "website",
    "signee_since",
    "profile_url",
    "statement_url",
)
# A cell starting with one of these is a formula to a spreadsheet: a company name must not be.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

GROUP_DEFINITIONS: dict[str, Any] = {
    SigneeGroup.IT_CUSTOMER: gettext_lazy("Uses and buys IT systems and services."),
    SigneeGroup.IT_VENDOR: gettext_lazy("Develops software as its dominant business."),
    SigneeGroup.IT_SERVICE_PROVIDER: gettext_lazy(
        "Provides services, such as integration, as its dominant business and may ship "
        "related tools."
    ),
}

SORT_CHOICES = [
    ("name", gettext_lazy("Name (A–Z)")),
    ("-name", gettext_lazy("Name (Z–A)")),
    ("-since", gettext_lazy("Newest signees first")),
    ("since", gettext_lazy("Oldest signees first")),
]


class SigneeFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=gettext_lazy("Company name, legal name or website."),
    )
    group = forms.ChoiceField(
        label=gettext_lazy("Group"),
        required=False,
        choices=[("", gettext_lazy("All groups")), *SigneeGroup.choices],
    )
    country = forms.ChoiceField(label=gettext_lazy("Country"), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, countries: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", _("All countries")), *countries]

    def filters(self) -> selectors.SigneeFilter:
        """The valid part of the query: a hand-edited bad value is shown as an error and
        ignored, so the page (or the export) still lists signees."""
        if not self.is_bound:
            return selectors.SigneeFilter()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return selectors.SigneeFilter(
            q=data.get("q", "").strip(),
            group=data.get("group", ""),
            country=data.get("country", ""),
            sort=data.get("sort") or selectors.DEFAULT_SORT,
        )


def _filter_form(request: HttpRequest, *, countries: list[tuple[str, str]]) -> SigneeFilterForm:
    data = request.GET if any(k in request.GET for k in ("q", "group", "country", "sort")) else None
    return SigneeFilterForm(data, countries=countries)


def _query(request: HttpRequest, **changes: str) -> str:
    """The current query string without page and format, with `changes` applied."""
    params: QueryDict = request.GET.copy()
    for key in ("page", "format"):
        params.pop(key, None)
    for key, value in changes.items():
        if value:
            params[key] = value
        else:
            params.pop(key, None)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else ""


def _safe_link(url: str) -> str:
    """Only web links become clickable; anything else in the field is not linked."""
    return url if url.lower().startswith(("https://", "http://")) else ""


def statement_path(slug: str, kind: str | None, external_url: str | None) -> str:
    """Where the signee's published CPO Statement is read: its external link or its page."""
    if kind == StatementKind.LINK:
        return _safe_link(external_url or "")
    if kind:
        return reverse("signees:public_statement", args=[slug])
    return ""


# --- The list --------------------------------------------------------------------------


def _group_facets(
    request: HttpRequest, counts: dict[str, int], current: str
) -> list[dict[str, Any]]:
    facets = [
        {
            "value": "",
            "label": _("All groups"),
            "count": sum(counts.values()),
            "url": _query(request, group=""),
            "current": not current,
        }
    ]
    for value, label in SigneeGroup.choices:
        facets.append(
            {
                "value": value,
                "label": label,
                "count": counts[value],
                "url": _query(request, group=value),
                "current": current == value,
            }
        )
    return facets


def _page(request: HttpRequest, filters: selectors.SigneeFilter, counts: dict[str, int]) -> Page:
    paginator = Paginator(selectors.published_signee_list(filters), PAGE_SIZE)
    # The group counts already hold the total: spare the paginator its COUNT query.
    paginator.count = counts[filters.group] if filters.group else sum(counts.values())
    return paginator.get_page(request.GET.get("page"))


@public_page
def signee_list(request: HttpRequest) -> HttpResponseBase:
    export = request.GET.get("format", "")
    if export in ("csv", "json"):
        return _export(request, export)
    form = _filter_form(request, countries=selectors.published_countries())
    filters = form.filters()
    counts = selectors.published_group_counts(filters)
    page = _page(request, filters, counts)
    rows = [
        {
            "signee": signee,
            "statement_url": statement_path(
                signee.organization.slug,
                getattr(signee, "statement_kind", None),
                getattr(signee, "statement_link", None),
            ),
        }
        for signee in page.object_list
    ]
    export_query = _query(request)
    return render(
        request,
        "signees/public/list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "rows": rows,
            "group_facets": _group_facets(request, counts, filters.group),
            "total": sum(counts.values()),
            "csv_url": reverse("signees:export_csv") + export_query,
            "json_url": reverse("signees:export_json") + export_query,
        },
    )


# --- Exports ---------------------------------------------------------------------------


class _Echo:
    """A file that hands back what is written: csv.writer then yields lines, not a buffer."""

    def write(self, value: str) -> str:
        return value


def _records(request: HttpRequest, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, str]]:
    base = request.build_absolute_uri(reverse("signees:list"))
    for row in rows:
        slug = row["organization__slug"]
        statement = statement_path(slug, row["statement_kind"], row["statement_link"])
        yield {
            "name": row["listed_name"] or row["organization__display_name"],
            "legal_name": row["organization__legal_name"],
            "group": row["group"],
            "country": row["organization__country"],
            "website": row["organization__website"],
            "signee_since": (
                timezone.localdate(row["approved_at"]).isoformat() if row["approved_at"] else ""
            ),
            "profile_url": f"{base}{slug}/",
            "statement_url": request.build_absolute_uri(statement) if statement else "",
        }


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def _csv_lines(records: Iterable[dict[str, str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    for record in records:
        yield writer.writerow([_cell(record[column]) for column in EXPORT_COLUMNS])


def _json_lines(records: Iterable[dict[str, str]]) -> Iterator[str]:
    """A JSON array, one object per line, written as the rows arrive."""
    separator = "[\n"
    for record in records:
        yield separator + json.dumps(record, ensure_ascii=False)
        separator = ",\n"
    yield "[]\n" if separator == "[\n" else "\n]\n"


def _pieces(lines: Iterable[str]) -> Iterator[bytes]:
    buffer: list[str] = []
    size = 0
    for line in lines:
        buffer.append(line)
        size += len(line)
        if size >= EXPORT_PIECE:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode()


def _export(request: HttpRequest, kind: str) -> StreamingHttpResponse:
    """The filtered list as CSV or JSON, streamed: the rows are never all in memory."""
    form = _filter_form(request, countries=selectors.published_countries())
    records = _records(request, selectors.published_signee_rows(form.filters()))
    if kind == "csv":
        response = StreamingHttpResponse(
            _pieces(_csv_lines(records)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="cpo-signees.csv"'
    else:
        response = StreamingHttpResponse(
            _pieces(_json_lines(records)), content_type="application/json; charset=utf-8"
        )
    return response


@public_page
def export_csv(request: HttpRequest) -> HttpResponseBase:
    return _export(request, "csv")


@public_page
def export_json(request: HttpRequest) -> HttpResponseBase:
    return _export(request, "json")


# --- One signee ------------------------------------------------------------------------


def openness_level_1(signee: Signee, statement: Statement | None) -> bool:
    """OL1 of the Quick Check: the company has signed and published a CPO Statement."""
    return signee.is_listed and statement is not None


@public_page
def signee_detail(request: HttpRequest, slug: str) -> HttpResponse:
    signee = selectors.published_signee(slug)
    if signee is None:
        raise Http404(_("There is no published signee at this address."))
    statement = selectors.published_statement_of(signee)
    organization = signee.organization
    due = signee.statement_due
    return render(
        request,
        "signees/public/detail.html",
        {
            "signee": signee,
            "organization": organization,
            "name": signee.listed_name or organization.display_name,
            "group_definition": GROUP_DEFINITIONS.get(signee.group, ""),
            "website": _safe_link(organization.website),
            "statement": statement,
            "statement_url": statement_path(
                organization.slug,
                statement.kind if statement else None,
                statement.external_url if statement else None,
            ),
            "statement_external": bool(statement and statement.kind == StatementKind.LINK),
            "is_vendor": signee.group == SigneeGroup.IT_VENDOR,
            "statement_due": due if statement is None else None,
            "statement_overdue": bool(
                statement is None and due is not None and due < timezone.localdate()
            ),
            # The Quick Check helps IT customers choose a supplier; customers supply nothing.
            "show_quick_check": signee.group != SigneeGroup.IT_CUSTOMER,
            "ol1_met": openness_level_1(signee, statement),
            # Filled by the certification app: the certificates this company holds.
            "seals": extensions.seals_for(organization),
        },
    )


# --- Home page -------------------------------------------------------------------------


@public_page
def home(request: HttpRequest) -> HttpResponse:
    """What the CPO is, how to sign, how many have signed and who signed last."""
    counts = selectors.published_group_counts()
    return render(
        request,
        "home.html",
        {
            "signee_counts": [
                (label, counts[value], value) for value, label in SigneeGroup.choices
            ],
            "signee_total": sum(counts.values()),
            "latest_signees": selectors.latest_published_signees(LATEST_ON_HOME),
            # Filled by the certification app: the most recently issued certificates.
            "latest_certificates": extensions.latest_certificates(LATEST_ON_HOME),
        },
    )
