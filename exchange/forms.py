from django import forms
from django.utils.translation import gettext_lazy as _

from exchange.datasets import DATASETS
from exchange.models import CityList

FORMATS = [("csv", "CSV"), ("json", "JSON"), ("geojson", "GeoJSON")]


def _district_field(districts) -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(label=_("District"), queryset=districts)
    if len(districts) == 1:
        field.initial = districts[0].pk
        field.widget = forms.HiddenInput()
    return field


class ExportStartForm(forms.Form):
    dataset = forms.ChoiceField(label=_("Dataset"))
    file_format = forms.ChoiceField(label=_("Format"), choices=FORMATS)
    updated_since = forms.DateTimeField(
        label=_("Changed after"),
        required=False,
        help_text=_("Empty: the whole dataset."),
        widget=forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    updated_until = forms.DateTimeField(
        label=_("Changed up to"),
        required=False,
        help_text=_("Empty: up to now."),
        widget=forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, prefix="export", **kwargs)
        self.fields["district"] = _district_field(districts)
        self.fields["dataset"].choices = [
            (name, dataset.label) for name, dataset in DATASETS.items()
        ]


class CityListUploadForm(forms.Form):
    city_list = forms.ModelChoiceField(
        label=_("City list"), queryset=CityList.objects.order_by("code")
    )
    file = forms.FileField(
        label=_("File (CSV or XLSX with a column uscc / 统一社会信用代码)")
    )
    dry_run = forms.BooleanField(label=_("Check only, apply nothing"), required=False)

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, prefix="import", **kwargs)
        self.fields["district"] = _district_field(districts)
