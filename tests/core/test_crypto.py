"""Encryption at rest, key rotation, keyed lookup hashes and masks."""

import datetime as dt

import pytest
from cryptography.fernet import Fernet

from tests.helpers import fast_password_hashing  # noqa: F401  (autouse fixture)
from weibao.children import idnumber
from weibao.children.models import Child
from weibao.core import crypto

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
ID_NUMBER = idnumber.make("310105", dt.date(2015, 6, 1), 12, "F")


@pytest.fixture
def keys(settings):
    """Switch FIELD_ENCRYPTION_KEYS; the MultiFernet is cached, so clear it on the way in and
    out (the settings fixture restores the keys, the cache would not follow on its own)."""

    def use(*keys: str) -> None:
        settings.FIELD_ENCRYPTION_KEYS = list(keys)
        crypto._fernet.cache_clear()

    crypto._fernet.cache_clear()
    yield use
    crypto._fernet.cache_clear()


@pytest.mark.parametrize("text", [ID_NUMBER, "上海市长宁区天山路1号", "𠈌", "", "a" * 5000])
def test_encrypt_then_decrypt_returns_the_plaintext(keys, text):
    keys(OLD_KEY)
    assert crypto.decrypt(crypto.encrypt(text)) == text


def test_ciphertext_differs_on_every_call_and_hides_the_plaintext(keys):
    keys(OLD_KEY)
    tokens = {crypto.encrypt(ID_NUMBER) for _ in range(5)}
    assert len(tokens) == 5
    for token in tokens:
        assert ID_NUMBER not in token
        assert crypto.decrypt(token) == ID_NUMBER


def test_old_key_still_decrypts_after_a_new_key_is_put_first(keys):
    keys(OLD_KEY)
    old_token = crypto.encrypt(ID_NUMBER)
    keys(NEW_KEY, OLD_KEY)
    assert crypto.decrypt(old_token) == ID_NUMBER
    new_token = crypto.encrypt(ID_NUMBER)
    # the first key encrypts: the new token no longer needs the old key
    keys(NEW_KEY)
    assert crypto.decrypt(new_token) == ID_NUMBER
    with pytest.raises(ValueError, match="cannot be decrypted"):
        crypto.decrypt(old_token)


def test_token_from_an_unknown_key_is_a_clear_error(keys):
    keys(OLD_KEY)
    foreign = Fernet(NEW_KEY.encode()).encrypt(b"x").decode()
    with pytest.raises(ValueError, match="configured keys"):
        crypto.decrypt(foreign)


def test_tampered_token_does_not_decrypt(keys):
    keys(OLD_KEY)
    token = crypto.encrypt(ID_NUMBER)
    tampered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    with pytest.raises(ValueError):
        crypto.decrypt(tampered)


def test_stored_child_survives_key_rotation(keys, make_child):
    keys(OLD_KEY)
    child = make_child(address="测试路9号")
    number = child.id_number
    keys(NEW_KEY, OLD_KEY)
    stored = Child.objects.get(pk=child.pk)
    assert (stored.id_number, stored.address) == (number, "测试路9号")
    stored.save()  # re-encrypts with the new key
    keys(NEW_KEY)
    assert Child.objects.get(pk=child.pk).id_number == number


def test_lookup_hash_is_deterministic_and_keyed(settings):
    first = crypto.lookup_hash(ID_NUMBER)
    assert first == crypto.lookup_hash(ID_NUMBER)
    assert len(first) == 64
    assert ID_NUMBER not in first
    assert crypto.lookup_hash(ID_NUMBER[:-1] + "X") != first
    settings.LOOKUP_HASH_KEY = "another-installation"
    assert crypto.lookup_hash(ID_NUMBER) != first


def test_id_number_mask_keeps_region_and_last_four():
    assert crypto.mask_id_number("310105201506011234") == "310105********1234"
    assert crypto.mask_id_number("31010520120304059X") == "310105********059X"
    assert crypto.mask_id_number("123456789") == "*********"
    assert crypto.mask_id_number("") == ""


def test_phone_mask_keeps_first_three_and_last_four():
    assert crypto.mask_phone("13812345678") == "138****5678"
    assert crypto.mask_phone("02162345678") == "021****5678"
    assert crypto.mask_phone("123456") == "******"
    assert crypto.mask_phone("") == ""


@pytest.mark.parametrize(
    "address, masked",
    [
        ("长宁区天山路1200弄35号602室", "长宁区天山路******"),
        ("天山路街道测试路88弄7号302室", "天山路街道******"),
        ("测试路1号101室", "测试路******"),
        ("短", "短******"),
        ("", ""),
    ],
)
def test_address_mask_keeps_at_most_six_leading_characters(address, masked):
    assert crypto.mask_address(address) == masked


def test_address_mask_never_shows_the_door_number():
    address = "长宁区天山路1200弄35号602室"
    masked = crypto.mask_address(address)
    assert "602" not in masked and "35号" not in masked
    assert masked.endswith("******")
