"""Forms of the annual CPO report."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm, VersionedForm


class ReportForm(PortalForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty for “CPO annual report <year>”."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.now().year - 1


class SectionForm(VersionedForm):
    """One section; its hidden version guards against overwriting a colleague's save."""

    title = forms.CharField(label=_("Title"), max_length=200)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=999, required=False)
    body = forms.CharField(
        label=_("Text (Markdown)"),
        max_length=50000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Markdown: headings (#), lists, links, tables, emphasis. HTML is cleaned: scripts, "
            "styles, images and event handlers are removed."
        ),
    )
