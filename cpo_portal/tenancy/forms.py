from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Organization, Role


class OrganizationForm(forms.ModelForm):
    website = forms.URLField(
        label=_("Website"),
        max_length=300,
        required=False,
        assume_scheme="https",
        help_text=_("The company's main website, e.g. https://www.example.com"),
    )

    class Meta:
        model = Organization
        fields = ["legal_name", "display_name", "legal_form", "country", "address", "website"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

        help_texts = {
            "display_name": _("Short name shown in lists. Defaults to the legal name."),
            "website": _("The company's main website, e.g. https://www.example.com"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = False


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class TransferForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("I understand that I will become an admin and the other person the owner."),
    )
