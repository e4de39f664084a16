from django import forms
from django.utils.translation import gettext_lazy as _

from grid.models import Ticket, TicketCategory


class HotlineTicketForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=TicketCategory.objects.filter(is_active=True), label=_("category")
    )
    source = forms.ChoiceField(
        choices=[
            (Ticket.Source.HOTLINE, Ticket.Source.HOTLINE.label),
            (Ticket.Source.PATROL, Ticket.Source.PATROL.label),
        ],
        label=_("source"),
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        label=_("description"),
    )
    address = forms.CharField(max_length=300, required=False, label=_("address"))
    lon = forms.FloatField(label=_("longitude (WGS-84)"))
    lat = forms.FloatField(label=_("latitude (WGS-84)"))
    reporter_contact = forms.CharField(
        max_length=200, required=False, label=_("reporter contact")
    )


class CitizenReportForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=TicketCategory.objects.filter(is_active=True),
        label=_("What is the problem?"),
        empty_label=None,
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("Describe it"),
        max_length=4000,
    )
    lon = forms.FloatField(widget=forms.HiddenInput)
    lat = forms.FloatField(widget=forms.HiddenInput)
    address = forms.CharField(
        max_length=300, required=False, label=_("Address or landmark (optional)")
    )
    photo = forms.FileField(required=False, label=_("Photo (optional)"))
    contact = forms.CharField(
        max_length=200,
        required=False,
        label=_("Phone or e-mail (optional; never shown to others)"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Errors on the hidden pin fields are shown as one "location" message.
        self.fields["lon"].error_messages["required"] = _("Drop a pin on the map.")
        self.fields["lat"].error_messages["required"] = _("Drop a pin on the map.")


class ContestForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        label=_("What is still wrong?"),
    )


class ConfirmForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput)
