from collections.abc import Callable

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


# --- migrations that move a text column to EncryptedTextField ---------------------------------
# The column stays a text column (no schema change: the migration alters the field in Django's
# state only); its rows are encrypted in place while the migration's historical model still
# reads them as plain text, and decrypted back when the migration is reversed.


def is_ciphertext(value: str) -> bool:
    try:
        crypto.decrypt(value)
    except ValueError:
        return False
    return True


def _rewrite_columns(
    apps, label: str, fields: list[str], change: Callable[[str], str | None], batch: int
) -> None:
    model = apps.get_model(label)
    pending = []
    for row in model.objects.only("pk", *fields).order_by("pk").iterator(chunk_size=batch):
        changed = False
        for name in fields:
            value = getattr(row, name)
            new = change(value) if value else None
            if new is not None:
                setattr(row, name, new)
                changed = True
        if changed:
            pending.append(row)
        if len(pending) >= batch:
            model.objects.bulk_update(pending, fields)
            pending = []
    if pending:
        model.objects.bulk_update(pending, fields)


def encrypt_columns(label: str, fields: list[str], *, batch: int = 500):
    """A RunPython function encrypting what is still plain text in `fields` of `label`'s rows
    (a value already encrypted is left as it is, so running it twice changes nothing)."""

    def run(apps, schema_editor):
        _rewrite_columns(
            apps, label, fields, lambda v: None if is_ciphertext(v) else crypto.encrypt(v), batch
        )

    return run


def decrypt_columns(label: str, fields: list[str], *, batch: int = 500):
    """The reverse of encrypt_columns."""

    def run(apps, schema_editor):
        _rewrite_columns(
            apps, label, fields, lambda v: crypto.decrypt(v) if is_ciphertext(v) else None, batch
        )

    return run
