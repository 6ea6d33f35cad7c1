from django.db import models

from weibao.core import crypto


class EncryptedTextField(models.TextField):
    """A text column stored as Fernet ciphertext; Python code only ever sees plaintext."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)
