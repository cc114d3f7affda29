"""Forms of the annual CPO report."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm, VersionedForm
from cpo_portal.uploads import IMAGE_ACCEPT_ATTRIBUTE, MAX_IMAGE_BYTES, MAX_IMAGE_SIDE

from ..models import AnnualReport, ReportSection


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


class SectionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.title)


class ImageForm(PortalForm):
    """A picture for the report; the service checks the file by its content."""

    file = forms.FileField(
        label=_("Image"),
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT_ATTRIBUTE}),
        help_text=_("PNG or JPEG, at most %(mb)d MB and %(px)d pixels on each side.")
        % {"mb": MAX_IMAGE_BYTES // (1024 * 1024), "px": MAX_IMAGE_SIDE},
    )
    caption = forms.CharField(
        label=_("Caption"),
        max_length=300,
        help_text=_("Printed under the image, e.g. “The CPO Core Team at the conference”."),
    )
    alt_text = forms.CharField(
        label=_("Text alternative"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What the image shows, for people who cannot see it (screen readers, the "
            "accessible PDF). Describe it; do not repeat the caption."
        ),
    )
    section = SectionChoice(
        label=_("After the section"),
        required=False,
        queryset=ReportSection.objects.none(),
        empty_label=_("— after the last section —"),
    )

    def __init__(self, *args: Any, report: AnnualReport, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["section"]
        assert isinstance(field, SectionChoice)
        field.queryset = report.sections.order_by("position", "pk")


class CommentForm(PortalForm):
    body = forms.CharField(
        label=_("Review comment"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen by the Core Team and the CPO office only; never printed."),
    )
