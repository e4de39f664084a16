from django import forms
from django.utils.translation import gettext_lazy as _


class EnterpriseImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
    confirm = forms.BooleanField(
        label=_("Save the rows (leave unticked for a dry run)"), required=False
    )
