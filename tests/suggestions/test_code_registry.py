"""A child's suggestion code is given once in the country by a reference table of its own
(suggestions.CodeRegistration, docs/scale.md "What changes in the code", point 7): the public
check by code reads that row, then the suggestion in its district; the suggestions' table keeps
a code unique within the district only."""

import importlib

from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import RawEditor
from tests.suggestions.conftest import a_suggestion
from weibao.suggestions.models import CodeRegistration, Suggestion
from weibao.suggestions.selectors import suggestion_by_code
from weibao.suggestions.services import code_digest, normalize_code


def _registered() -> dict[str, tuple[int, int]]:
    return {r.code_digest: (r.district_id, r.suggestion_id) for r in CodeRegistration.objects.all()}


def test_a_childs_suggestion_registers_its_code_in_its_district(station, supervisor):
    s, code = a_suggestion(station, supervisor)
    assert _registered() == {code_digest(code): (station.district_id, s.pk)}


def test_the_check_reads_the_registry_then_the_suggestion_in_its_district(station, supervisor):
    s, code = a_suggestion(station, supervisor)
    with CaptureQueriesContext(connection) as ctx:
        assert suggestion_by_code(normalize_code(code)) == s
    reads = [q["sql"] for q in ctx.captured_queries]
    assert "suggestions_coderegistration" in reads[0]
    assert '"suggestions_suggestion"."district_id" =' in reads[1]
    # An unknown code: the registry alone answers.
    with CaptureQueriesContext(connection) as ctx:
        assert suggestion_by_code("AAAABBBBCC") is None
    assert len(ctx.captured_queries) == 1


def test_the_check_through_the_public_page_still_answers(station, supervisor, client):
    _s, code = a_suggestion(station, supervisor)
    assert client.post("/board/check/", {"code": code}).status_code == 200


def test_deleting_a_suggestion_deletes_its_registration(station, supervisor):
    s, _code = a_suggestion(station, supervisor)
    Suggestion.objects.filter(pk=s.pk).delete()
    assert not CodeRegistration.objects.exists()


def test_the_migration_registers_every_code(station, supervisor):
    made = [a_suggestion(station, supervisor) for _ in range(2)]
    CodeRegistration.objects.all().delete()
    migration = importlib.import_module("weibao.suggestions.migrations.0002_code_registration")
    migration.register_the_codes(apps, RawEditor())
    assert _registered() == {code_digest(c): (s.district_id, s.pk) for s, c in made}
