import pytest
from tests.front.doors import build_world
from django.test import Client

@pytest.mark.django_db
def test_probe(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = build_world()
    c = Client(); c.force_login(w["director_b"])
    a = c.get(f"/children/{w.child.pk}/").content.decode()
    b = c.get("/children/987654321/").content.decode()
    import difflib
    print("\n".join(difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="")))
