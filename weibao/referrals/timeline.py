"""How the case timeline shows the rows of referrals."""

from django.utils.translation import gettext_lazy

from weibao.cases.timeline import TimelineFamily
from weibao.referrals.models import Referral


def referral_family() -> TimelineFamily:
    return TimelineFamily(
        name="referral",
        label=gettext_lazy("Referral"),
        model=Referral,
        actions={
            "referral.create": gettext_lazy("Referred to a partner"),
            "referral.accept": gettext_lazy("Referral accepted"),
            "referral.reject": gettext_lazy("Referral rejected"),
            "referral.complete": gettext_lazy("Referral completed"),
            "referral.revoke": gettext_lazy("Referral revoked"),
            "referral.feedback": gettext_lazy("Partner feedback recorded"),
            "referral.overdue": gettext_lazy("Referral not answered in time"),
        },
        family_choices={"state": dict(Referral.State.choices)},
    )
