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
