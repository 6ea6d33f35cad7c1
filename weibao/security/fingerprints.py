"""The fingerprint of a user's password hash, kept on each API token and signed-in device: when
the password changes — on any page, in the framework admin, from the command line — the
fingerprint no longer matches and the token stops working, the device leaves the list. Keyed
with SECRET_KEY (as Django's own session hash), so the column reveals nothing of the hash."""

from django.utils.crypto import salted_hmac


def password_fingerprint(user) -> str:
    return salted_hmac("weibao.security.password", user.password, algorithm="sha256").hexdigest()
