from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.children.choices import HukouType
from weibao.imports.mapping import TARGETS
from weibao.imports.models import ImportJob, ImportRow


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Register file"),
        help_text=_("An .xlsx or .csv file whose first row names the columns."),
    )


class ImportMappingForm(forms.Form):
    """One select per field of a child's file: which column of the file gives it."""

    def __init__(self, *args, job: ImportJob, **kwargs):
        super().__init__(*args, **kwargs)
        columns = [("", _("— not in the file —"))] + [
            (str(i), header or _("(column %(n)d)") % {"n": i + 1})
            for i, header in enumerate(job.headers)
        ]
        for target in TARGETS:
            self.fields[target.key] = forms.ChoiceField(
                label=target.label, choices=columns, required=False
            )
            if target.key in job.mapping:
                self.initial[target.key] = str(job.mapping[target.key])
        self.fields["hukou_default"] = forms.ChoiceField(
            label=_("Household registration type where the file does not say"),
            choices=[("", _("— refuse the row —")), *HukouType.choices],
            required=False,
        )
        self.initial["hukou_default"] = job.hukou_default

    def mapping(self) -> dict[str, str]:
        return {t.key: self.cleaned_data.get(t.key, "") for t in TARGETS}


class ImportRowFilterForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("outcome"),
        choices=[("", _("All")), *ImportRow.Outcome.choices],
        required=False,
    )
