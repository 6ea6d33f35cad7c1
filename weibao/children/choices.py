from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Status(models.TextChoices):
    ACTIVE = "active", _("On the register")
    MOVED_OUT = "moved_out", _("Moved out")
    TRANSFERRED = "transferred", _("Transferred")
    DECEASED = "deceased", _("Deceased")


# Shown instead of "on the register" once the child has turned 18; derived from the birth date,
# never stored, so nobody has to edit a record on a birthday.
AGED_OUT = "aged_out"
AGED_OUT_LABEL = _("Aged out (18 or over)")


class HukouType(models.TextChoices):
    LOCAL = "local", _("Registered in this city")
    OTHER_PROVINCE = "other", _("Registered in another province")
    NONE = "none", _("No household registration")


class Grade(models.TextChoices):
    NOT_IN_SCHOOL = "not_in_school", _("Not yet in school")
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    PRIMARY_1 = "p1", _("Primary year 1")
    PRIMARY_2 = "p2", _("Primary year 2")
    PRIMARY_3 = "p3", _("Primary year 3")
    PRIMARY_4 = "p4", _("Primary year 4")
    PRIMARY_5 = "p5", _("Primary year 5")
    PRIMARY_6 = "p6", _("Primary year 6")
    JUNIOR_1 = "j1", _("Junior middle year 1")
    JUNIOR_2 = "j2", _("Junior middle year 2")
    JUNIOR_3 = "j3", _("Junior middle year 3")
    SENIOR_1 = "s1", _("Senior high year 1")
    SENIOR_2 = "s2", _("Senior high year 2")
    SENIOR_3 = "s3", _("Senior high year 3")
    VOCATIONAL = "vocational", _("Vocational school")
    OUT_OF_SCHOOL = "out_of_school", _("Out of school")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    CHRONIC = "chronic", _("Chronic illness")
    SERIOUS = "serious", _("Serious illness")


class DisabilityType(models.TextChoices):
    # The seven categories of the 残疾人证 (GB/T 26341-2010).
    NONE = "", _("None")
    VISUAL = "visual", _("Visual")
    HEARING = "hearing", _("Hearing")
    SPEECH = "speech", _("Speech")
    PHYSICAL = "physical", _("Physical")
    INTELLECTUAL = "intellectual", _("Intellectual")
    MENTAL = "mental", _("Mental")
    MULTIPLE = "multiple", _("Multiple")


class DisabilityLevel(models.TextChoices):
    NONE = "", _("None")
    LEVEL_1 = "1", _("Grade 1")
    LEVEL_2 = "2", _("Grade 2")
    LEVEL_3 = "3", _("Grade 3")
    LEVEL_4 = "4", _("Grade 4")


class IncomeSource(models.TextChoices):
    WAGES = "wages", _("Wages")
    BUSINESS = "business", _("Own business or farming")
    PROPERTY = "property", _("Property income")
    ASSISTANCE = "assistance", _("Government assistance (minimum living allowance etc.)")
    RELATIVES = "relatives", _("Support from relatives")
    NONE = "none", _("No stable income")
    OTHER = "other", _("Other")


class Relation(models.TextChoices):
    FATHER = "father", _("Father")
    MOTHER = "mother", _("Mother")
    PATERNAL_GRANDFATHER = "p_grandfather", _("Paternal grandfather")
    PATERNAL_GRANDMOTHER = "p_grandmother", _("Paternal grandmother")
    MATERNAL_GRANDFATHER = "m_grandfather", _("Maternal grandfather")
    MATERNAL_GRANDMOTHER = "m_grandmother", _("Maternal grandmother")
    SIBLING = "sibling", _("Adult sibling")
    OTHER_RELATIVE = "relative", _("Other relative")
    OTHER = "other", _("Other person or organisation")


class AgeBand(models.TextChoices):
    # Ranges in whole years, inclusive.
    INFANT = "0-2", _("0–2 years")
    PRESCHOOL = "3-5", _("3–5 years")
    PRIMARY = "6-11", _("6–11 years")
    JUNIOR = "12-14", _("12–14 years")
    SENIOR = "15-17", _("15–17 years")
