from django import forms
from django.utils.translation import gettext_lazy as _

from monitoring.parameters import PARAMETER_CHOICES
from monitoring.selectors.tracing import DEFAULT_RADIUS_M


class AnnotateForm(forms.Form):
    annotation = forms.CharField(
        label=_("Known cause"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class ReviewWindowForm(forms.Form):
    start = forms.DateTimeField(label=_("From"))
    end = forms.DateTimeField(label=_("To"))


class SurveyUploadForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    parameter = forms.ChoiceField(
        label=_("Parameter"), choices=PARAMETER_CHOICES, initial="TVOC"
    )
    file = forms.FileField(
        label=_("Track (CSV: time, lon, lat, value; or GeoJSON)"),
    )
    hotspot_percentile = forms.FloatField(
        label=_("Hotspot percentile"), initial=95, min_value=50, max_value=99.9
    )


class TraceForm(forms.Form):
    lon = forms.FloatField(
        label=_("Longitude (WGS-84)"), min_value=-180, max_value=180, required=False
    )
    lat = forms.FloatField(
        label=_("Latitude (WGS-84)"), min_value=-90, max_value=90, required=False
    )
    alarm = forms.IntegerField(
        label=_("Alarm"), required=False, widget=forms.HiddenInput
    )
    at = forms.DateTimeField(
        label=_("Time of the event"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    wind_direction = forms.FloatField(
        label=_("Wind from (degrees)"), min_value=0, max_value=360, required=False
    )
    wind_speed = forms.FloatField(
        label=_("Wind speed (m/s)"), min_value=0, max_value=75, required=False
    )
    radius_m = forms.FloatField(
        label=_("Radius (m)"), initial=DEFAULT_RADIUS_M, min_value=100, max_value=20000
    )
    category = forms.ChoiceField(
        label=_("Kind of complaint"),
        choices=[
            ("odour", _("Odour")),
            ("cooking_fume", _("Cooking fume")),
            ("dust", _("Dust")),
            ("noise", _("Noise")),
            ("other", _("Other")),
        ],
        initial="odour",
    )

    def clean(self):
        data = super().clean()
        if data.get("alarm") is None and (
            data.get("lon") is None or data.get("lat") is None
        ):
            raise forms.ValidationError(
                _("Give a point (longitude and latitude) or an alarm.")
            )
        if (data.get("wind_direction") is None) != (data.get("wind_speed") is None):
            raise forms.ValidationError(
                _("Give both wind direction and speed, or neither.")
            )
        return data
