from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weibao.core.exceptions import Blocked
from weibao.core.views_helpers import apply_errors, page_of, query_without_page
from weibao.core.xlsx import XLSX_CONTENT_TYPE, file_name_part
from weibao.imports import services
from weibao.imports.export import refused_workbook
from weibao.imports.forms import ImportMappingForm, ImportRowFilterForm, ImportUploadForm
from weibao.imports.models import ImportJob
from weibao.imports.reader import ReadError
from weibao.imports.selectors import (
    import_job_get_for_user,
    import_job_list,
    import_rows,
    is_uploader,
    may_import,
)

PAGE_SIZE = 25
ROWS_PAGE_SIZE = 50


@login_required
@require_GET
def import_list_view(request: HttpRequest) -> HttpResponse:
    page = page_of(request, import_job_list(request.user), PAGE_SIZE)
    return render(
        request,
        "imports/list.html",
        {"page": page, "may_import": may_import(request.user), "form": ImportUploadForm()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_upload_view(request: HttpRequest) -> HttpResponse:
    if not may_import(request.user):
        raise PermissionDenied
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_upload(actor=request.user, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("File received: check the columns, then run the dry run."))
            return redirect("imports:detail", pk=job.pk)
    return render(request, "imports/upload.html", {"form": form})


def _detail(request: HttpRequest, job: ImportJob, mapping_form=None) -> HttpResponse:
    filters = ImportRowFilterForm(request.GET or None)
    outcome = filters.cleaned_data.get("outcome", "") if filters.is_valid() else ""
    rows = page_of(request, import_rows(job, outcome), ROWS_PAGE_SIZE)
    uploader = is_uploader(request.user, job)
    editable = uploader and job.state in (
        ImportJob.State.UPLOADED,
        ImportJob.State.CHECKED,
        ImportJob.State.FAILED,
    )
    if editable and mapping_form is None:
        mapping_form = ImportMappingForm(job=job)
    return render(
        request,
        "imports/detail.html",
        {
            "job": job,
            "rows": rows,
            "filters": filters,
            "query": query_without_page(request),
            "mapping_form": mapping_form if editable else None,
            "may_commit": uploader and job.state == ImportJob.State.CHECKED,
        },
        status=400 if mapping_form is not None and mapping_form.errors else 200,
    )


@login_required
@require_GET
def import_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, import_job_get_for_user(request.user, pk))


@login_required
@require_POST
def import_mapping_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = import_job_get_for_user(request.user, pk)
    if not is_uploader(request.user, job):
        raise PermissionDenied
    form = ImportMappingForm(request.POST, job=job)
    if form.is_valid():
        try:
            services.import_map(
                actor=request.user,
                job=job,
                mapping=form.mapping(),
                hukou_default=form.cleaned_data["hukou_default"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except Blocked as exc:
            messages.error(request, str(exc))
            return redirect("imports:detail", pk=job.pk)
        else:
            messages.success(request, _("The dry run has started: nothing is written yet."))
            return redirect("imports:detail", pk=job.pk)
    return _detail(request, job, mapping_form=form)


@login_required
@require_POST
def import_commit_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = import_job_get_for_user(request.user, pk)
    try:
        services.import_commit(actor=request.user, job=job)
    except Blocked as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The import has started."))
    return redirect("imports:detail", pk=job.pk)


@login_required
@require_GET
def import_refused_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = import_job_get_for_user(request.user, pk)
    name = file_name_part(job.original_name.rsplit(".", 1)[0], "import")
    try:
        workbook = refused_workbook(job)
    except (OSError, ReadError) as exc:  # the uploaded file is no longer kept
        raise Http404 from exc
    services.import_refused_downloaded(actor=request.user, job=job)
    response = FileResponse(
        workbook,
        as_attachment=True,
        filename=f"{name}-{_('refused')}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "no-store"
    return response
