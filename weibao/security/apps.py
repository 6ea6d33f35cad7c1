from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "weibao.security"
    label = "security"
    verbose_name = _("Sign-in security")

    def ready(self) -> None:
        from django.contrib import admin
        from django.contrib.auth.signals import user_logged_in
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from weibao.accounts.hooks import account_access_end
        from weibao.security.services import device_signed_in, user_access_end

        # Every sign-in, whatever the door (the login page, the framework admin's, a test
        # client), records the device it came from: Django's own signal is the one place all
        # of them pass.
        user_logged_in.connect(device_signed_in, dispatch_uid="weibao.security.device")
        account_access_end.register(user_access_end)
        # django-otp's admin pages would show every secret and recovery code to the system
        # administrator; two-factor devices are managed on the product's pages, audited.
        for model in (TOTPDevice, StaticDevice):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
