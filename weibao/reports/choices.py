"""The legal lists of mandatory reporting, encoded as data (docs/domain.md §5).

Source: 《关于建立侵害未成年人案件强制报告制度的意见（试行）》(2020), Art. 2–4; 未保法 Art. 11."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Situation(models.TextChoices):
    """Opinion Art. 4: the situations that must be reported at once. 1–8 also oblige the
    receiving body to tell the police (公安) within the police clock."""

    GENITAL_INJURY = (
        "s1",
        _("1. Abnormal injury to genitals or private parts (actual or suspected)"),
    )
    GIRL_UNDER14_SEXUAL = (
        "s2",
        _(
            "2. A girl under 14 who suffered or may have suffered sexual assault, "
            "or is pregnant or had an abortion"
        ),
    )
    GIRL_14_PREGNANT = (
        "s3",
        _(
            "3. A girl 14 or over who is pregnant or had an abortion after (suspected) "
            "sexual assault"
        ),
    )
    MULTIPLE_INJURIES = (
        "s4",
        _(
            "4. Multiple injuries, severe malnutrition or impaired consciousness, with (suspected) "
            "domestic violence, bullying, abuse, beating or drugging"
        ),
    )
    ABNORMAL_DISABILITY_DEATH = (
        "s5",
        _(
            "5. Disabled or dead from suicide, self-harm, work injury, poisoning, drugging, "
            "beating or another abnormal cause"
        ),
    )
    ABANDONED = "s6", _("6. Abandoned or left uncared for over a long period")
    MISSING = "s7", _("7. Of unknown origin, missing, trafficked or bought")
    BEGGING = "s8", _("8. Organised into begging")
    OTHER_SERIOUS = "s9", _("9. Other serious harm, or facing imminent unlawful harm")
    OTHER = "other", _("Other (describe below)")


# Situations 1–8 (opinion Art. 4) must be passed to the police.
POLICE_SITUATIONS = frozenset(
    {
        Situation.GENITAL_INJURY,
        Situation.GIRL_UNDER14_SEXUAL,
        Situation.GIRL_14_PREGNANT,
        Situation.MULTIPLE_INJURIES,
        Situation.ABNORMAL_DISABILITY_DEATH,
        Situation.ABANDONED,
        Situation.MISSING,
        Situation.BEGGING,
    }
)


class ReporterType(models.TextChoices):
    """Who reports: the bodies obliged by opinion Art. 2–3 and 未保法 Art. 11, or anyone."""

    STATE_ORGAN = "state_organ", _("State organ")
    RESIDENTS_COMMITTEE = "residents_committee", _("Residents' or villagers' committee")
    SCHOOL = "school", _("School")
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    TRAINING = "training", _("Training institution")
    CHILDCARE = "childcare", _("Childcare institution")
    MEDICAL = "medical", _("Hospital or clinic")
    WELFARE = "welfare", _("Child-welfare or rescue institution")
    SOCIAL_WORK = "social_work", _("Social-work organisation")
    HOTEL = "hotel", _("Hotel or guest house")
    PUBLIC = "public", _("Member of the public")
    # The 儿童主任 who raised a visit concern that became a report (docs/domain.md §2.2, §4.5).
    CHILD_DIRECTOR = "child_director", _("Child director")


# Reporter types only staff record (a report made from a concern, or entered by staff): the
# public door does not offer them, as nobody outside the workstation reports as a 儿童主任.
STAFF_REPORTER_TYPES = frozenset({ReporterType.CHILD_DIRECTOR})


class Channel(models.TextChoices):
    PUBLIC = "public", _("Public report page")
    STAFF = "staff", _("Entered by staff")
    CONCERN = "concern", _("From a visit concern")


class ChildSex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
    UNKNOWN = "", _("Unknown")


class NoCaseReason(models.TextChoices):
    """Why a report of harm (situations 1–8) may close without a case: the supervisor's (or the
    district's) decision, from this list only (docs/domain.md §5.7)."""

    NO_HARM_FOUND = "no_harm_found", _("Checked: no harm and no risk of harm found")
    POLICE_HANDLING = (
        "police_handling",
        _("The police or the courts handle it and no protection need remains"),
    )
    HANDED_OVER = "handed_over", _("The child lives elsewhere: handed over to that area")
    DUPLICATE = "duplicate", _("The same events are handled under another report")
