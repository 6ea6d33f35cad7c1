"""The child's archive (一人一档) as PDF: masked by default (GET), in full with a reason
(POST). Only a child the reader may see (children_visible_to; anyone else: 404 as for a
nonexistent id); what is in it is what each app lets the reader see (archive.selectors)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from weibao.accounts.selectors import may_reveal
from weibao.archive.forms import ArchiveRevealForm
from weibao.archive.pdf import archive_pdf_response
from weibao.archive.selectors import Revealed
from weibao.archive.services import archive_reveal
from weibao.audit.models import AccessLog
from weibao.children.models import Child
from weibao.children.selectors import child_get_for_user
from weibao.core.hooks import Panel
from weibao.core.pdf import pdf_unavailable


@login_required
@require_http_methods(["GET", "POST"])
def child_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_get_for_user(request.user, pk)
    problem = pdf_unavailable()
    if problem:
        return render(
            request, "archive/unavailable.html", {"child": child, "message": problem}, status=503
        )
    revealed, reason = Revealed(), ""
    if request.method == "POST":
        form = ArchiveRevealForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors.get("reason", [])))
            return redirect("children:detail", pk=child.pk)
        reason = form.cleaned_data["reason"]
        try:
            revealed = archive_reveal(
                actor=request.user, child=child, reason=reason, channel=AccessLog.Channel.WEB
            )
        except PermissionDenied:
            messages.error(request, _("You do not have permission to see this in full."))
            return redirect("children:detail", pk=child.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("children:detail", pk=child.pk)
    return archive_pdf_response(
        request.user, child, revealed=revealed, reason=reason, channel=AccessLog.Channel.WEB
    )


def child_archive_panel(request: HttpRequest, child: Child) -> Panel:
    """The archive's buttons on the child's page (children.hooks.child_page_panels)."""
    return Panel(
        "archive/_child_panel.html",
        {
            "archive_reveal_form": ArchiveRevealForm(),
            "archive_can_reveal": may_reveal(request.user) and not child.anonymised_at,
        },
    )
