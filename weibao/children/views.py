from django.http import HttpResponse


def child_list(request):
    return HttpResponse("todo")


child_create = child_detail = child_edit = child_status = child_reveal = child_list
