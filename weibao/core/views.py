from django.contrib.auth import views as auth_views
from django.http import HttpResponse


def home(request):
    return HttpResponse("todo")


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
