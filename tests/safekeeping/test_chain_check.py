"""The daily job verifies what was appended to the audit chains since its last run and tells
the district staff, once, when a chain is broken."""

from tests.audit.helpers import tampering
from tests.helpers import today
from weibao.audit.models import AccessLog, AuditEvent
from weibao.audit.services import access_log_record, audit_record
from weibao.notifications.models import Notification
from weibao.notifications.selectors import message
from weibao.safekeeping.chaincheck import checkpoint
from weibao.visits.jobs import run_daily


def _breaks():
    return Notification.objects.filter(kind=Notification.Kind.AUDIT_CHAIN_BROKEN)


def _write(child, user, n=3):
    for i in range(n):
        audit_record(actor=user, action="child.update", obj=child, child=child, note=str(i))
        access_log_record(user=user, child=child, channel=AccessLog.Channel.WEB)


def test_an_intact_chain_moves_the_checkpoint_and_tells_nobody(child_a, district_officer):
    _write(child_a, district_officer)
    report = run_daily(today())
    assert report.checks["audit_chain_breaks"] == 0
    seq, row_id, _hash = checkpoint("access", child_a.district_id)
    assert (seq, row_id) == AccessLog.objects.order_by("-id").values_list("seq", "id").first()
    _write(child_a, district_officer)
    assert run_daily(today()).checks["audit_chain_breaks"] == 0
    assert checkpoint("access", child_a.district_id)[0] == seq + 3
    assert not _breaks().exists()


def test_a_row_changed_after_the_last_run_is_told_to_the_district_once(
    child_a, district_officer, supervisor, director_a
):
    run_daily(today())
    _write(child_a, director_a)
    target = AuditEvent.objects.filter(actor=director_a).order_by("id")[1]
    with tampering():
        AuditEvent.objects.filter(pk=target.pk).update(note="改过的")
    assert run_daily(today()).checks["audit_chain_breaks"] == 1
    assert run_daily(today()).checks["audit_chain_breaks"] == 1
    [told] = _breaks()
    assert told.recipient == district_officer
    assert told.params == {
        "log": "audit", "seq": target.seq, "chain": child_a.district_id, "district": "长宁区"
    }  # fmt: skip
    assert "长宁区的审计日志" in message(told) and str(target.seq) in message(told)


def test_the_row_verified_last_time_changed_is_seen(child_a, district_officer):
    _write(child_a, district_officer)
    run_daily(today())
    seq, row_id, _hash = checkpoint("access", child_a.district_id)
    with tampering():
        AccessLog.objects.filter(pk=row_id).update(reason="改过的")
    assert run_daily(today()).checks["audit_chain_breaks"] == 1
    assert _breaks().get().params["seq"] == seq
