"""Form widgets shared by the apps' web forms."""

from django import forms


class DateInput(forms.DateInput):
    """A native date picker; <input type=date> only understands ISO dates, whatever the UI
    language's format is."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeLocalInput(forms.DateTimeInput):
    """A native date-and-time picker (ISO format, like DateInput)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class RiskRadioSelect(forms.RadioSelect):
    """A radio group some of whose answers are risk signals: those options say so in words
    (widgets/choices.html), so neither colour nor position alone tells which answer is risky."""

    def __init__(self, attrs=None, choices=(), *, risk_values=()):
        super().__init__(attrs, choices)
        self.risk_values = frozenset(str(value) for value in risk_values)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["risk"] = str(value) in self.risk_values
        return option
