"""Forms of the training pages. They check types and lengths; the rules (who may, which
area, topics, hours, the roll's people) are the services' and come back as field errors."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import Area
from weibao.core.forms import DateInput
from weibao.staff.choices import StaffRole
from weibao.training.choices import Mode
from weibao.training.models import TrainingSession, TrainingTopic


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, area: Area) -> str:
        return ("\u2003" if area.level == Area.Level.SUBDISTRICT else "") + area.name


def area_choice(areas: list[Area], **kwargs) -> AreaChoiceField:
    field = AreaChoiceField(queryset=Area.objects.filter(pk__in=[a.pk for a in areas]), **kwargs)
    field.choices = [(a.pk, field.label_from_instance(a)) for a in areas]
    return field


class TopicChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, topic: TrainingTopic) -> str:
        return topic.name


class SessionForm(forms.Form):
    title = forms.CharField(
        label=_("title"),
        max_length=100,
        required=False,
        help_text=_("Optional, e.g. 儿童主任能力提升培训班; the topic is shown when empty."),
    )
    held_on = forms.DateField(label=_("date"), widget=DateInput())
    mode = forms.ChoiceField(
        label=_("online or in person"), choices=Mode.choices, widget=forms.RadioSelect
    )
    place = forms.CharField(label=_("place"), max_length=200, required=False)
    trainer = forms.CharField(label=_("trainer"), max_length=100)
    hours = forms.DecimalField(
        label=_("training hours"),
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=24,
    )
    audience = forms.MultipleChoiceField(
        label=_("who is expected"),
        choices=StaffRole.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The roll-call lists the people of these roles."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, organisers: list[Area], topics, session=None, **kwargs):
        super().__init__(*args, **kwargs)
        # A closed 街镇 organises nothing new; a session's present organiser stays (§1.16).
        keep = session.organiser.pk if session is not None else None
        organisers = [a for a in organisers if a.closed_at is None or a.pk == keep]
        self.fields["organiser"] = area_choice(organisers, label=_("organised by"))
        current = session.topic_id if session is not None else None
        topics = topics.filter(active=True) | topics.filter(pk=current)
        self.fields["topic"] = TopicChoiceField(
            label=_("topic"),
            queryset=topics.select_related("district").order_by("district__name", "pk"),
        )
        self.order_fields(["organiser", "topic", "title", "held_on", "mode", "place"])

    @staticmethod
    def initial_from(session: TrainingSession) -> dict:
        return {
            "organiser": session.organiser.pk,
            "topic": session.topic_id,
            "title": session.title,
            "held_on": session.held_on,
            "mode": session.mode,
            "place": session.place,
            "trainer": session.trainer,
            "hours": session.hours,
            "audience": session.audience,
            "version": session.version,
        }

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["audience"] = list(data.get("audience") or [])
        return data


class SessionFilterForm(forms.Form):
    start = forms.DateField(label=_("held from"), widget=DateInput(), required=False)
    end = forms.DateField(label=_("held until"), widget=DateInput(), required=False)

    def __init__(self, *args, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"] = TopicChoiceField(
            label=_("topic"), queryset=topics, required=False, empty_label=_("All topics")
        )

    def filter(self, qs):
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        if data.get("start"):
            qs = qs.filter(held_on__gte=data["start"])
        if data.get("end"):
            qs = qs.filter(held_on__lte=data["end"])
        if data.get("topic"):
            qs = qs.filter(topic=data["topic"])
        return qs


class MaterialForm(forms.Form):
    file = forms.FileField(label=_("file (PDF, JPEG or PNG, up to 10 MB)"))


class PolicyForm(forms.Form):
    required_roles = forms.MultipleChoiceField(
        label=_("roles that must be trained"),
        choices=StaffRole.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    min_hours = forms.DecimalField(
        label=_("hours needed in the period"),
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=200,
    )


class TopicForm(forms.Form):
    name = forms.CharField(label=_("topic"), max_length=60)


class RateForm(forms.Form):
    start = forms.DateField(label=_("start of the period"), widget=DateInput(), required=False)
    end = forms.DateField(label=_("end of the period"), widget=DateInput(), required=False)

    def __init__(self, *args, areas: list[Area], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"] = area_choice(areas, label=_("area"), required=False)
        self.order_fields(["area", "start", "end"])

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period cannot be before its start."))
        if start and end and (end - start) > dt.timedelta(days=3 * 366):
            self.add_error("end", _("Choose a period of at most three years."))
        return data
