import functools
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.plumbing import ResolvedComponent, build_choice_description_list
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from weibao.core.choices import choice_label
from weibao.core.exceptions import Blocked, ConflictError
from weibao.core.parsers import SafeJSONParser
from weibao.core.xlsx import XLSX_CONTENT_TYPE

INVALID = OpenApiResponse(description="Field → list of messages.")
CONFLICT = OpenApiResponse(
    description="Changed by someone else since the given version; reload and try again."
)

# The largest value a database integer key can hold.
MAX_DB_INT = 2**63 - 1


def exception_handler(exc, context):
    """Turn the services' Django exceptions into the API's answers: field-level 400s, 403, 404."""
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, Blocked):
        return Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ConflictError):
        return Response(
            {
                "detail": _(
                    "This record was changed by someone else since you loaded it. "
                    "Reload it and apply your change again."
                )
            },
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)


class StrictFieldsMixin:
    """Refuses keys the serializer does not know, so a client learns at once that, say,
    `status` cannot be set through this endpoint instead of seeing it silently dropped."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(str(key) for key in set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {key[:64]: [_("Unknown field.")] for key in unknown[:20]}
                )
        return super().to_internal_value(data)


# --- query parameters: the schema's, no others ------------------------------------------------

# Taken by every operation: DRF's page and renderer choice.
ALWAYS_ALLOWED_QUERY = frozenset({"page", "page_size", "format"})
_PLACEHOLDER = re.compile(r"\{[^}/]+\}")


# drf-spectacular's generator is not safe to run in two threads at once (it imports and
# registers its extensions as it goes): the first requests of a threaded server (`make run`,
# a gthread worker) would each start it, and some fail with a 500. One generates; the others
# wait for its answer.
_schema_lock = threading.Lock()


def _documented_operations() -> list[tuple[re.Pattern, dict[str, dict[str, bool]]]]:
    with _schema_lock:
        return _operations_of_schema()


@functools.cache
def _operations_of_schema() -> list[tuple[re.Pattern, dict[str, dict[str, bool]]]]:
    """(path pattern, method → {query parameter: whether it may be given empty}) for every path
    of the OpenAPI schema, generated once per process (about a second), literal paths before
    those with placeholders (…/summary/ before …/{id}/)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, methods in schema["paths"].items():
        parts = _PLACEHOLDER.split(path)
        pattern = re.compile("^" + "[^/]+".join(re.escape(part) for part in parts) + "$")
        by_method = {
            method.upper(): {
                p["name"]: _takes_blank(p.get("schema", {}))
                for p in operation.get("parameters", [])
                if p["in"] == "query"
            }
            for method, operation in methods.items()
        }
        operations.append((len(parts), pattern, by_method))
    operations.sort(key=lambda row: row[0])
    return [(pattern, by_method) for _parts, pattern, by_method in operations]


def _takes_blank(schema: dict) -> bool:
    # Free text (a search) may be sent empty; an empty choice, number, date or yes/no is a
    # mistake (DRF would read it as "not given" and answer as if it had not been asked).
    return schema.get("type") == "string" and not {"enum", "pattern", "format", "$ref"} & set(
        schema
    )


def documented_query_parameters(path: str, method: str) -> dict[str, bool]:
    """The query parameters the schema documents for this request's operation, each with
    whether it may be given empty (none for a path it does not document)."""
    method = "GET" if method.upper() == "HEAD" else method.upper()
    for pattern, by_method in _documented_operations():
        if pattern.match(path):
            return by_method.get(method, {})
    return {}


def document_common_answers(result, generator, request, public):
    """drf-spectacular postprocessing hook: the answers every operation may give, whatever its
    own declaration says — 400 for a query parameter it does not take (StrictQueryMixin) or a
    page that does not exist, 401 where it needs a signed-in user, and 404 where the path names
    an object (none with that id, or none this user may see: the two answer alike)."""
    for path, methods in result.get("paths", {}).items():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            if "{" in path:
                responses.setdefault(
                    "404", {"description": "No such object, or not one you may see."}
                )
            responses.setdefault(
                "400",
                {"description": "A query parameter this operation does not take, or no such page."},
            )
            if any(operation.get("security") or [{}]):  # absent, or [{}]: no sign-in needed
                responses.setdefault(
                    "401", {"description": "Not signed in: send a token or a session."}
                )
    return result


class StrictQueryMixin:
    # An API view refuses query parameters its operation does not document (400, naming each),
    # as StrictFieldsMixin refuses unknown body fields: `?search=…` on a list that has no such
    # filter must not look like a search that found everything. The schema is the one list of
    # what each operation takes, so the two cannot drift apart. An empty choice, number or date
    # is refused too (DRF would take it as "not given"). (No docstring: it would become every
    # operation's description in the schema.)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        documented = documented_query_parameters(request.path_info, request.method)
        errors = {}
        for key, values in request.query_params.lists():
            if key not in documented and key not in ALWAYS_ALLOWED_QUERY:
                errors[str(key)[:64]] = [_("Unknown query parameter.")]
            elif key in documented and not documented[key] and "" in values:
                errors[str(key)[:64]] = [_("Give a value, or leave this parameter out.")]
        if errors:
            raise exceptions.ValidationError(dict(sorted(errors.items())[:20]))


# --- shared pieces of the viewsets ------------------------------------------------------------


def step_responses(ok, *, forbidden, not_found, conflict) -> dict:
    """The OpenAPI answers of a step on one versioned record."""
    return {200: ok, 400: INVALID, 403: forbidden, 404: not_found, 409: conflict}


def post_action(summary: str, request, responses: dict, **action_kwargs):
    """A POST action on one record (`@action(detail=True)`), documented with its summary."""

    def decorate(method):
        method = action(detail=True, methods=["post"], **action_kwargs)(method)
        return extend_schema(summary=summary, request=request, responses=responses)(method)

    return decorate


class RecordViewSetMixin(StrictQueryMixin):
    # Helpers of the viewsets over one kind of record (no docstring: it would become the
    # description of every operation in the OpenAPI schema). The viewset gives get_object()
    # and `_represent(record)`; `record_keyword` names the record in its services' arguments.

    lookup_value_converter = "int"
    filter_backends = ()
    parser_classes = (SafeJSONParser,)
    record_keyword = "case"

    def checked(self, serializer_class) -> serializers.Serializer:
        """The serializer_class holding the request body, checked (400 when invalid)."""
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer

    def validated(self, serializer_class) -> Mapping[str, Any]:
        """The request body checked by serializer_class (400 when invalid)."""
        return self.checked(serializer_class).validated_data

    def paginated(self, queryset) -> Response:
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def step(self, serializer_class, service: Callable, *fields: str, **defaults) -> Response:
        """One step: find the record (404), check the body (400), call the service with the
        posted `fields`, the optional ones of `defaults` and the posted version, and answer with
        the record as it is now."""
        record = self.get_object()
        data = self.validated(serializer_class)
        arguments = {name: data[name] for name in fields}
        arguments.update({name: data.get(name, default) for name, default in defaults.items()})
        record = service(
            actor=self.request.user,
            **{self.record_keyword: record},
            **arguments,
            expected_version=data.get("version"),
        )
        return self._represent(record)


# No docstring: the schema generator would show it as every operation's description.
class NeverCacheMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Children's personal data must not linger in browser or proxy caches.
        add_never_cache_headers(response)
        return response


class NamedChoiceField(serializers.ChoiceField):
    """A ChoiceField whose choice set is one named component of the OpenAPI schema. Several
    models here have a `kind` or a `state`, and the four Art. 21–23 questions share one set of
    answers; left to itself the schema generator warns about the clashing or repeated names."""

    def __init__(self, *args, enum_name: str, **kwargs):
        self.enum_name = enum_name
        super().__init__(*args, **kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField

    def map_serializer_field(self, auto_schema, direction):
        field: NamedChoiceField = self.target
        choices = {k: v for k, v in field.choices.items() if k != ""}
        enum = ResolvedComponent(
            name=field.enum_name,
            type=ResolvedComponent.SCHEMA,
            object=field.enum_name,
            schema={
                "type": "string",
                "enum": list(choices),
                "description": build_choice_description_list(choices.items()),
            },
        )
        auto_schema.registry.register_on_missing(enum)
        if not field.allow_blank:
            return enum.ref
        blank = ResolvedComponent(
            name="BlankEnum",
            type=ResolvedComponent.SCHEMA,
            object="BlankEnum",
            schema={"enum": [""]},
        )
        auto_schema.registry.register_on_missing(blank)
        return {"oneOf": [enum.ref, blank.ref]}


class ChoiceDisplayField(serializers.CharField):
    """A choice's label, declared as `ChoiceDisplayField(source="get_<field>_display")` (the
    schema that of the CharField it replaces) and read from core.choices' table. Through DRF's
    generic lookup each row inspects the method's signature, then Django rebuilds and
    translates every label of the field (docs/performance.md, "The case team")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        self.choice_field = self.source.removeprefix("get_").removesuffix("_display")

    def get_attribute(self, instance):
        return choice_label(instance, self.choice_field)


def rows_serializer(
    parent: serializers.Serializer, serializer_class: type
) -> serializers.Serializer:
    """One `serializer_class(many=True)` for every row `parent` writes (its method fields' nested
    lists, e.g. a case's team): made anew for each row, DRF deep-copies its declared fields each
    time, which costs more than writing the rows (docs/performance.md, "The case team")."""
    made = parent.__dict__.setdefault("_rows_serializers", {})
    if serializer_class not in made:
        made[serializer_class] = serializer_class(many=True, context=parent.context)
    return made[serializer_class]


class BlankChoicesMixin:
    """For a ModelSerializer: a read-only choice field says it may be "" when its model field
    may be blank. DRF drops `allow_blank` from read-only fields, so the schema's enum would
    leave out the "" the answer holds (a child without a grade)."""

    def get_fields(self):
        fields = super().get_fields()
        model = self.Meta.model
        for name, field in fields.items():
            if not (isinstance(field, serializers.ChoiceField) and field.read_only):
                continue
            try:  # not bound yet: `source` is set only when the field is bound
                model_field = model._meta.get_field(field.source or name)
            except FieldDoesNotExist:
                continue
            if model_field.blank and model_field.choices:
                field.allow_blank = True
        return fields


@extend_schema_field(OpenApiTypes.INT)
class ScopedIdField(serializers.PrimaryKeyRelatedField):
    """An object picked by id among those the user may see. One outside the user's scope gets
    the same answer as an id that does not exist, so probing ids tells nothing."""

    default_error_messages = {
        "does_not_exist": _("No such item in your areas."),
        "incorrect_type": _("Give an id (a whole number)."),
    }

    def scoped(self, user):  # pragma: no cover - overridden
        raise NotImplementedError

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.scoped(None).none()
        return self.scoped(request.user)

    def to_internal_value(self, data):
        if isinstance(data, str) and data.isascii() and data.isdigit():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < data <= MAX_DB_INT:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class AnyAcceptNegotiation(DefaultContentNegotiation):
    """A download answers with the file's own type whatever the client accepts; errors are
    then JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type


@extend_schema_field(
    {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$", "example": "09:30"}
)
class ClockTimeField(serializers.TimeField):
    """A time of day on the local clock, "HH:MM" (an activity starts at 09:30 wherever the
    reader is): not an instant, so no offset. OpenAPI's "time" format is RFC 3339's, which
    requires an offset, so the schema says what is sent instead."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S"])
        super().__init__(**kwargs)


def xlsx_export_action(*, summary: str, parameters: list, description: str = ""):
    """A list's `export/` action: the same filters as the list, the answer an xlsx file (any
    Accept header), described once for every list that offers one."""
    schema = extend_schema(
        summary=summary,
        description=description or None,
        parameters=parameters,
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
            400: INVALID,
        },
    )
    route = action(
        detail=False,
        methods=["get"],
        url_path="export",
        url_name="export",
        content_negotiation_class=AnyAcceptNegotiation,
    )
    return lambda method: schema(route(method))
