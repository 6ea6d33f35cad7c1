"""Every unique rule of a table split by district names the district (docs/scale.md, "What
changes in the code", point 7): PostgreSQL's partitioned tables and Citus's distributed tables
keep a unique index only if it holds the distribution column. A rule keyed by a child, a case
or a place names the district first; it is the same rule, the row's district being a copy of
theirs. The exceptions are listed with their reasons, so a new model cannot add one unseen."""

from django.apps import apps
from django.db import models

# Model: the unique rules that do not name the district, and why.
EXCEPTIONS = {
    # A row's chain is the district it was written in (docs/scale.md, point 3): on Citus a
    # plain index, the chain's head numbering the rows.
    "audit.AuditEvent": {("chain", "seq")},
    "audit.AccessLog": {("chain", "seq")},
    # The reference table of ID numbers (point 2): copied whole to every worker, not split.
    "children.IdNumberRegistration": {("child",)},
    # The staff roster: a few rows per 街镇, written rarely; on Citus a reference table too, so
    # that "one open entry per account" holds across districts.
    "staff.StaffMember": {("user",)},
    # The reference tables of the numbers looked up with no district: a report's reference
    # number and a child's suggestion code, as of ID numbers.
    "reports.ReferenceRegistration": {("report",)},
    "suggestions.CodeRegistration": {("suggestion",)},
}


def _rules_without_the_district(model) -> set[tuple[str, ...]]:
    rules = {(f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key}
    rules |= {
        tuple(c.fields) for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)
    }
    rules |= {tuple(fields) for fields in model._meta.unique_together}
    return {rule for rule in rules if "district" not in rule}


def test_every_unique_rule_of_a_district_keyed_table_names_the_district():
    found = {}
    for model in apps.get_models():
        if not model.__module__.startswith("weibao."):
            continue
        if "district" not in {f.name for f in model._meta.concrete_fields}:
            continue
        if rules := _rules_without_the_district(model):
            found[model._meta.label] = rules
    assert found == EXCEPTIONS


def test_the_district_comes_first_in_the_widened_rules():
    """First, so the rule's index also serves the reads by (district, child) and the like."""
    for model in apps.get_models():
        for c in getattr(model._meta, "constraints", []):
            if isinstance(c, models.UniqueConstraint) and "district" in c.fields:
                assert c.fields[0] == "district", (model._meta.label, c.name)
