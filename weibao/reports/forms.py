"""Forms of the report pages. They check types and lengths and keep what the user typed; the
rules are the services' (their ValidationErrors come back next to the fields)."""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from weibao.accounts.models import Role, RoleAssignment, User
from weibao.accounts.selectors import communities_visible_to
from weibao.children.models import Child
from weibao.core.api import MAX_DB_INT
from weibao.core.forms import DateInput, DateTimeLocalInput
from weibao.core.text import clean_text
from weibao.reports import services
from weibao.reports.choices import (
    STAFF_REPORTER_TYPES,
    ChildSex,
    NoCaseReason,
    ReporterType,
    Situation,
)
from weibao.reports.models import ClockPolicy, Report
from weibao.reports.selectors import area_from_choice, public_area_choices
from weibao.reports.services import (
    ADDRESS_LIMIT,
    DESCRIPTION_LIMIT,
    NOTE_LIMIT,
    OUTCOME_LIMIT,
    REPORTER_NAME_LIMIT,
    REPORTER_ORG_LIMIT,
    REPORTER_PHONE_LIMIT,
    ReportInput,
)


def _too_long(limit: int) -> str:
    return gettext("Please keep this under %(n)d characters.") % {"n": limit}


# The services' message, in the reader's language (fields are built at import time).
too_long_lazy = lazy(_too_long, str)


class CleanCharField(forms.CharField):
    """Text with control characters removed before any check (so a stray NUL or bidi override
    is dropped, not refused). Too long text gets the services' message."""

    def __init__(self, *args, multiline: bool = False, **kwargs):
        self.multiline = multiline
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.error_messages["max_length"] = too_long_lazy(self.max_length)

    def to_python(self, value):
        return clean_text(value, multiline=self.multiline) if value not in self.empty_values else ""


def _text(label, max_length: int, *, required_message=None, **kwargs) -> CleanCharField:
    if required_message is not None:
        kwargs["error_messages"] = {"required": required_message}
    return CleanCharField(label=label, max_length=max_length, **kwargs)


# The services' messages (services._clean_input), so a field reads the same whichever check
# refused it.
AGE_MESSAGE = _("A child's age is a whole number from 0 to 17.")
REPORTER_TYPE_MESSAGE = _("Please say who you are reporting as.")


SEX_CHOICES = [("", _("Don't know")), (ChildSex.MALE, ChildSex.MALE.label),
               (ChildSex.FEMALE, ChildSex.FEMALE.label)]  # fmt: skip


def report_input_from(d, *, district, subdistrict) -> ReportInput:
    """The ReportInput of a checked report form or serializer (d: its cleaned data), the areas
    being already looked up."""
    return ReportInput(
        situations=list(d.get("situations") or []),
        other_situation=d.get("other_situation", ""),
        description=d.get("description", ""),
        occurred_when=d.get("occurred_when", ""),
        place=d.get("place", ""),
        child_name=d.get("child_name", ""),
        child_age=d.get("child_age"),
        child_sex=d.get("child_sex", ""),
        child_school=d.get("child_school", ""),
        child_address=d.get("child_address", ""),
        district=district,
        subdistrict=subdistrict,
        reporter_type=d.get("reporter_type", ""),
        reporter_name=d.get("reporter_name", ""),
        reporter_phone=d.get("reporter_phone", ""),
        reporter_org=d.get("reporter_org", ""),
    )


def _age(label, help_text) -> forms.IntegerField:
    """A minor's age in whole years, optional (0–17)."""
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=17,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=help_text,
        error_messages={"invalid": AGE_MESSAGE, "min_value": AGE_MESSAGE, "max_value": AGE_MESSAGE},
    )


class ReportForm(forms.Form):
    """What anyone can tell us (the public page and staff entry share it)."""

    situations = forms.MultipleChoiceField(
        label=_("What is the child facing? Tick all that apply"),
        choices=Situation.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other_situation = _text(_("other situation"), 200)
    description = _text(
        _("what happened"),
        DESCRIPTION_LIMIT,
        required=True,
        required_message=_("Please describe what happened."),
        multiline=True,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What you saw or heard, as plainly as you can. No need to be certain."),
    )
    occurred_when = _text(
        _("when"), 100, help_text=_("For example: yesterday evening; for about a month.")
    )
    place = _text(_("where"), 200)
    child_name = _text(_("child's name"), 64, help_text=_("If you know it."))
    child_age = _age(_("child's age"), _("Approximately is fine."))
    child_sex = forms.ChoiceField(label=_("child's sex"), choices=SEX_CHOICES, required=False)
    child_school = _text(_("child's school"), 100)
    child_address = _text(_("child's address"), ADDRESS_LIMIT)
    area = forms.ChoiceField(
        label=_("sub-district or town (街镇)"),
        choices=(),
        error_messages={
            "required": _("Please choose where the child lives, if you know."),
            "invalid_choice": _("Please choose where the child lives, if you know."),
        },
    )
    reporter_type = forms.ChoiceField(
        label=_("You are reporting as"),
        choices=[("", _("Please choose")), *ReporterType.choices],
        error_messages={"required": REPORTER_TYPE_MESSAGE, "invalid_choice": REPORTER_TYPE_MESSAGE},
    )
    reporter_name = _text(_("your name"), REPORTER_NAME_LIMIT)
    reporter_phone = _text(
        _("your phone"),
        REPORTER_PHONE_LIMIT,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    reporter_org = _text(_("your organisation"), REPORTER_ORG_LIMIT)

    # Django adds this one to every POST of a page with a form.
    ALWAYS_ALLOWED = frozenset({"csrfmiddlewaretoken"})

    def __init__(self, *args, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = staff
        if staff:  # staff enter a report on someone's behalf
            self.fields["reporter_type"].label = _("reporter type")
            self.fields["reporter_name"].label = _("reporter's name")
            self.fields["reporter_phone"].label = _("reporter's phone")
            self.fields["reporter_org"].label = _("reporter's organisation")
        else:
            self.fields["reporter_type"].choices = [
                (value, label)
                for value, label in self.fields["reporter_type"].choices
                if value not in STAFF_REPORTER_TYPES
            ]
        choices = public_area_choices()
        if len(choices) != 1 and choices and isinstance(choices[0][1], list):
            choices = [("", _("Please choose")), *choices]
        self.fields["area"].choices = choices
        self.fields["area"].help_text = _("Where the child lives, if you know.")

    def field_errors(self) -> list[tuple[str, str]]:
        """(HTML id, message) of every field's errors, for the list at the top of the page."""
        return [(field.auto_id, error) for field in self.visible_fields() for error in field.errors]

    def unknown_fields(self) -> list[str]:
        if not self.is_bound:
            return []
        return sorted(set(self.data) - set(self.fields) - self.ALWAYS_ALLOWED)

    def clean_area(self):
        district, subdistrict = area_from_choice(self.cleaned_data.get("area", ""))
        if district is None:
            raise forms.ValidationError(_("Please choose where the child lives, if you know."))
        self.cleaned_data["_district"], self.cleaned_data["_subdistrict"] = district, subdistrict
        return self.cleaned_data["area"]

    # Where the services' messages about the place go on this form.
    SERVICE_FIELDS = {"district": "area", "subdistrict": "area"}

    def apply_service_errors(self, errors: dict[str, list[str]], *, only_new=False) -> None:
        for field, msgs in errors.items():
            name = self.SERVICE_FIELDS.get(field, field)
            name = name if name in self.fields else None
            if only_new and (name is None or name in self.errors):
                continue
            for message in msgs:
                self.add_error(name, message)

    def full_check(self) -> bool:
        """is_valid(), and when the form itself has errors, the services' checks of the fields
        that passed, so the user sees every problem at once."""
        if self.is_valid():
            return True
        errors = services.report_input_errors(self.report_input(), public=not self.staff)
        self.apply_service_errors(errors, only_new=True)
        return False

    def report_input(self) -> ReportInput:
        d = self.cleaned_data
        return report_input_from(d, district=d.get("_district"), subdistrict=d.get("_subdistrict"))


class StatusForm(forms.Form):
    reference = _text(
        _("reference number"),
        40,
        required=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    code = _text(
        _("secret code"),
        64,
        required=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


# --- triage ------------------------------------------------------------------------------------


class VersionForm(forms.Form):
    """A report action: carries the version of the report the user saw. Each action's form has
    its own HTML ids (several are on one page)."""

    AUTO_ID = "ack_%s"

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_DB_INT)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", self.AUTO_ID)
        super().__init__(*args, **kwargs)


class PoliceForm(VersionForm):
    AUTO_ID = "police_%s"

    told = _text(
        _("who at the police was told"),
        100,
        required=True,
        required_message=_("Please say who at the police was told (station, officer)."),
        help_text=_("The police station and the officer."),
    )
    notified_at = forms.DateTimeField(
        label=_("police told at"),
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        error_messages={
            "required": _("Please give the date and time the police were told."),
            "invalid": _("Please give the date and time the police were told."),
        },
    )
    receipt_no = _text(
        _("police receipt number"),
        50,
        required=True,
        required_message=_("Please give the police receipt number."),
    )


class LinkSearchForm(forms.Form):
    """Find the child of a report: by full ID number, or by name (and birth date, area)."""

    id_number = _text(_("ID number"), 30, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    name = _text(_("name"), 64, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    birth_date = forms.DateField(label=_("birth date"), required=False, widget=DateInput())
    age = _age(_("age (about)"), _("Finds children up to a year younger or older."))
    community = forms.ModelChoiceField(
        label=_("residential area"), queryset=None, required=False, empty_label=_("Any")
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities_visible_to(actor).order_by("name")

    def clean(self):
        d = super().clean()
        if (d.get("birth_date") or d.get("age") is not None or d.get("community")) and not (
            d.get("id_number") or d.get("name")
        ):
            self.add_error("name", _("Enter the ID number or the child's name to search."))
        return d

    def has_query(self) -> bool:
        d = getattr(self, "cleaned_data", {})
        return bool(d.get("id_number") or d.get("name"))


class LinkForm(VersionForm):
    AUTO_ID = "link_%s"

    child = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_DB_INT)
    link_state = forms.ChoiceField(
        choices=[(Report.Link.LINKED, Report.Link.LINKED.label),
                 (Report.Link.REGISTERED, Report.Link.REGISTERED.label)],
        widget=forms.HiddenInput,
    )  # fmt: skip


class UnidentifiedForm(VersionForm):
    AUTO_ID = "unidentified_%s"

    note = _text(
        _("why the child cannot be identified"),
        NOTE_LIMIT,
        multiline=True,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def eligible_owners(child: Child):
    """Who may own a case of this child (cases.services.eligible_owner's rule)."""
    user_ids = RoleAssignment.objects.filter(
        area_id__in=[child.community_id, child.subdistrict_id, child.district_id],
        role__in=[Role.DIRECTOR, Role.SUPERVISOR, Role.STATION_STAFF, Role.DISTRICT_STAFF],
    ).values("user_id")
    return User.objects.filter(pk__in=user_ids, is_active=True).order_by("full_name", "username")


class OpenCaseForm(VersionForm):
    AUTO_ID = "case_%s"

    owner = forms.ModelChoiceField(
        label=_("case owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Me"),
    )

    def __init__(self, *args, child: Child | None = None, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        if child is not None:
            owners = eligible_owners(child)
            if actor is not None:  # "Me" already stands for the user
                owners = owners.exclude(pk=actor.pk)
            self.fields["owner"].queryset = owners


class CloseForm(VersionForm):
    AUTO_ID = "close_%s"

    # Shown only for a report of harm (situations 1–8) without a case (services.report_close).
    no_case_reason = forms.ChoiceField(
        label=_("why no case is needed"),
        choices=NoCaseReason.choices,
        widget=forms.RadioSelect,
        required=False,
    )

    outcome_message = _text(
        _("outcome message to the reporter"),
        OUTCOME_LIMIT,
        required=True,
        required_message=_("Please write the outcome message for the reporter."),
        multiline=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The reporter reads this on the status page. Say what was done in general terms; "
            "never the child's details."
        ),
    )


class ClockPolicyForm(forms.ModelForm):
    class Meta:
        model = ClockPolicy
        fields = ["ack_minutes", "police_hours", "outcome_days"]
