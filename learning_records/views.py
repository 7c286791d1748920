"""The xAPI resources. Interfaces only: parse, call a service or selector, format."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.http import http_date
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from backend.ratelimit import client_address
from backend.unavailable import OUTAGE_ERRORS, is_outage, log_outage
from learning_records import multipart
from learning_records import params as p
from learning_records.attachments import AttachmentData, declared_attachments, match_parts
from learning_records.auth import client_authenticate, require_scope
from learning_records.http import (
    XapiHttpError,
    XapiRequest,
    error_response,
    json_response,
    parse_json,
    set_version_header,
    store_unavailable,
    unfold,
)
from learning_records.models import LrsClient, Scope
from learning_records.multipart import Part
from learning_records.selectors import (
    StatementFilter,
    activity_get,
    attachment_contents,
    person_get,
    statement_get,
    statement_page,
)
from learning_records.services import StatementConflict, StoreTooSlow, statements_store
from learning_records.xapi.documents import etag_of, quoted
from learning_records.xapi.errors import XapiValidationError
from learning_records.xapi.formats import format_statement, parse_accept_language
from learning_records.xapi.signatures import check_signatures
from learning_records.xapi.timestamps import format_timestamp
from learning_records.xapi.validate import parse_statements
from learning_records.xapi.versions import (
    SUPPORTED_VERSIONS,
    UnsupportedVersion,
    XapiVersion,
    negotiate_version,
)

Handler = Callable[[XapiRequest, LrsClient, XapiVersion], HttpResponse]


class XapiView(View):
    """Everything every xAPI resource does: unfold the alternate syntax, negotiate the
    version, authenticate, and answer errors with the version header too."""

    methods: tuple[str, ...] = ()

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., HttpResponseBase]:
        # LMSs authenticate every request with Basic credentials; there is no session
        # cookie for a cross-site request to ride on, so CSRF tokens have nothing to guard.
        return csrf_exempt(super().as_view(**initkwargs))

    def finish(self, response: HttpResponse) -> None:
        """Headers a resource adds to every response, errors included."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        version = _default_version()
        method = request.method or "GET"
        try:
            xreq = unfold(request)
            method = xreq.method
            version, version_problem = _version(xreq)
            if xreq.alternate and version != XapiVersion.V1_0_3:
                raise XapiHttpError(400, "xAPI 2.0 has no alternate request syntax (?method=)")
            client = client_authenticate(
                xreq.header("authorization"), address=client_address(request)
            )
            if version_problem:
                raise XapiHttpError(400, version_problem)
            response = self._handler(xreq.method)(xreq, client, version)
        except XapiHttpError as error:
            response = error_response(error)
        except OUTAGE_ERRORS as outage:
            if not is_outage(outage):
                raise  # a bug or an operations problem: Django's 500 and its traceback
            # A batch is one transaction: rolled back (or undone by the server's crash
            # recovery), nothing of it is visible. Had the commit itself gone through, the
            # sender's retry finds its ids stored with the same content and adds no copy.
            log_outage(request, outage)
            response = error_response(store_unavailable())
        set_version_header(response, version)
        self.finish(response)
        if method == "HEAD":
            # Communication §1.1: the GET's headers without its body, Content-Length included.
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response

    def _handler(self, method: str) -> Handler:
        name = "get" if method == "HEAD" else method.lower()
        if name not in self.methods:
            raise XapiHttpError(
                405,
                f"{method} is not allowed here",
                headers={"Allow": ", ".join(m.upper() for m in (*self.methods, "head"))},
            )
        handler: Handler = getattr(self, name)
        return handler


def _version(xreq: XapiRequest) -> tuple[XapiVersion, str | None]:
    try:
        return negotiate_version(xreq.header("x-experience-api-version")), None
    except UnsupportedVersion as exc:
        return _default_version(), str(exc)


def _default_version() -> XapiVersion:
    return XapiVersion(settings.KIPINA_XAPI_DEFAULT_VERSION)


@csrf_exempt
def about(request: HttpRequest) -> HttpResponse:
    """xAPI 1.0.3 Communication §2.8: public, no version header needed."""
    if request.method not in ("GET", "HEAD"):
        response = error_response(XapiHttpError(405, f"{request.method} is not allowed here"))
    else:
        response = json_response(
            {"version": [str(v) for v in SUPPORTED_VERSIONS], "extensions": {}}
        )
    set_version_header(response, _default_version())
    return response


# --- Statements ------------------------------------------------------------------------------

SINGLE_PARAMS = {"statementId", "voidedStatementId", "format", "attachments"}
QUERY_PARAMS = {
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
    "cursor",
}


class StatementsView(XapiView):
    methods = ("get", "post", "put")

    def finish(self, response: HttpResponse) -> None:
        # xAPI 1.0.3 Communication §2.1.3.s2.b5: on every response of this resource.
        response["X-Experience-API-Consistent-Through"] = format_timestamp(timezone.now())

    def post(self, xreq: XapiRequest, client: LrsClient, version: XapiVersion) -> HttpResponse:
        _require(client, Scope.STATEMENTS_WRITE)
        p.reject_unknown(xreq.params, set())
        document, parts = _statement_body(xreq)
        statements, attachments = _validated(document, parts, version)
        return json_response(_store(client, statements, version, attachments))

    def put(self, xreq: XapiRequest, client: LrsClient, version: XapiVersion) -> HttpResponse:
        _require(client, Scope.STATEMENTS_WRITE)
        p.reject_unknown(xreq.params, {"statementId"})
        statement_id = p.uuid_param(xreq.params, "statementId")
        if statement_id is None:
            raise XapiHttpError(400, "PUT needs the statementId parameter")
        document, parts = _statement_body(xreq)
        if not isinstance(document, dict):
            raise XapiHttpError(400, "PUT takes one statement (a JSON object), not a list")
        given = document.get("id")
        # Any id the body carries must be this one: a null or a number is refused, not
        # replaced, as POST refuses it (Data §2.2, §2.4.1).
        if "id" in document and (not isinstance(given, str) or given.lower() != statement_id):
            shown = repr(given) if isinstance(given, str) else "not a string"
            raise XapiHttpError(
                400, f"the statement's id ({shown}) differs from statementId {statement_id}"
            )
        statements, attachments = _validated({**document, "id": statement_id}, parts, version)
        _store(client, statements, version, attachments)
        return HttpResponse(status=204)

    def get(self, xreq: XapiRequest, client: LrsClient, version: XapiVersion) -> HttpResponse:
        _require_read(client)
        if "statementId" in xreq.params or "voidedStatementId" in xreq.params:
            return self._get_one(xreq, client)
        return self._query(xreq, client)

    def _get_one(self, xreq: XapiRequest, client: LrsClient) -> HttpResponse:
        params = xreq.params
        if "statementId" in params and "voidedStatementId" in params:
            raise XapiHttpError(400, "give statementId or voidedStatementId, not both")
        p.reject_unknown(params, SINGLE_PARAMS)
        voided = "voidedStatementId" in params
        statement_id = p.uuid_param(params, "voidedStatementId" if voided else "statementId") or ""
        fmt, attachments = p.format_param(params), p.boolean(params, "attachments")
        statement = statement_get(
            organisation_id=client.organisation_id,
            statement_id=statement_id,
            voided=voided,
            client_id=_own_only(client),
        )
        if statement is None:
            raise XapiHttpError(404, f"no {'voided ' if voided else ''}statement {statement_id}")
        body = format_statement(statement.payload, fmt=fmt, languages=_languages(xreq))
        response = _statements_response(
            body,
            [statement.payload],
            attachments=attachments,
            organisation_id=client.organisation_id,
        )
        response["Last-Modified"] = http_date(statement.stored.timestamp())
        return response

    def _query(self, xreq: XapiRequest, client: LrsClient) -> HttpResponse:
        params = xreq.params
        p.reject_unknown(params, QUERY_PARAMS)
        where = StatementFilter(
            agent_key=p.agent_param(params, "agent"),
            verb_iri=p.iri_param(params, "verb"),
            activity_iri=p.iri_param(params, "activity"),
            registration=p.uuid_param(params, "registration"),
            related_agents=p.boolean(params, "related_agents"),
            related_activities=p.boolean(params, "related_activities"),
            since=p.timestamp_param(params, "since"),
            until=p.timestamp_param(params, "until"),
            ascending=p.boolean(params, "ascending"),
            client_id=_own_only(client),
        )
        limit = p.limit_param(
            params,
            default=settings.KIPINA_XAPI_PAGE_SIZE,
            maximum=settings.KIPINA_XAPI_MAX_PAGE_SIZE,
        )
        fmt, attachments = p.format_param(params), p.boolean(params, "attachments")
        page = statement_page(
            organisation_id=client.organisation_id,
            where=where,
            limit=limit,
            cursor=p.cursor_param(params),
        )
        languages = _languages(xreq)
        more = ""
        if page.next_cursor is not None:
            more = (
                f"{xreq.path}?{urlencode({**params, 'cursor': p.cursor_token(page.next_cursor)})}"
            )
        body = {
            "statements": [
                format_statement(s.payload, fmt=fmt, languages=languages) for s in page.statements
            ],
            "more": more,
        }
        return _statements_response(
            body,
            [s.payload for s in page.statements],
            attachments=attachments,
            organisation_id=client.organisation_id,
        )


def _statement_body(xreq: XapiRequest) -> tuple[Any, list[Part] | None]:
    """The statements document and, for multipart/mixed, the attachment parts after it."""
    if xreq.content_type == "application/json":
        return parse_json(xreq.body, stored_as_json=True), None
    if xreq.content_type != "multipart/mixed":
        raise XapiHttpError(
            400,
            "Content-Type must be application/json or multipart/mixed, "
            f"not {xreq.content_type or 'missing'!r}",
        )
    parts = multipart.parse(xreq.body, xreq.headers["content-type"])
    if not parts or parts[0].content_type != "application/json":
        raise XapiHttpError(
            400, "the first multipart part must be the statements, as application/json"
        )
    statements = parse_json(parts[0].content, what="the statements part", stored_as_json=True)
    return statements, parts[1:]


def _validated(
    document: Any, parts: list[Part] | None, version: XapiVersion
) -> tuple[list[dict[str, Any]], dict[str, AttachmentData]]:
    """The statements and their attachment data, once both pass every check of the spec."""
    try:
        statements = parse_statements(document, version=version)
        attachments = match_parts(statements, parts)
        data = {sha2: attachment.content for sha2, attachment in attachments.items()}
        check_signatures(statements, data, version=version)
    except XapiValidationError as exc:
        raise XapiHttpError(400, "the statements are not valid xAPI", errors=exc.errors) from None
    return statements, attachments


def _store(
    client: LrsClient,
    statements: list[dict[str, Any]],
    version: XapiVersion,
    attachments: dict[str, AttachmentData],
) -> list[str]:
    try:
        return statements_store(
            client=client, statements=statements, version=version, attachments=attachments
        )
    except XapiValidationError as exc:
        raise XapiHttpError(400, "the statements were not stored", errors=exc.errors) from None
    except StatementConflict as exc:
        raise XapiHttpError(409, str(exc)) from None
    except StoreTooSlow as exc:
        raise XapiHttpError(503, str(exc), headers={"Retry-After": "2"}) from None


def _statements_response(
    body: Any, payloads: list[dict[str, Any]], *, attachments: bool, organisation_id: int
) -> HttpResponse:
    """JSON, or with attachments=true the multipart form with the attachments' data
    (xAPI 1.0.3 Communication §2.1.3.s2.b6)."""
    if not attachments:
        return json_response(body)
    sha2s = {str(a["sha2"]).lower() for a in declared_attachments(payloads)}
    contents = attachment_contents(organisation_id=organisation_id, sha2s=sha2s)
    content, content_type = multipart.build(json_response(body).content, contents)
    return HttpResponse(content, content_type=content_type)


def _languages(xreq: XapiRequest) -> list[str]:
    return parse_accept_language(xreq.header("accept-language"))


def _require(client: LrsClient, scope: Scope) -> None:
    if not ({scope, Scope.ALL} & set(client.scopes)):
        raise XapiHttpError(403, f"this client lacks the {scope.value} scope")


def _require_read(client: LrsClient) -> None:
    readers = {Scope.STATEMENTS_READ, Scope.STATEMENTS_READ_MINE, Scope.ALL_READ, Scope.ALL}
    if not (readers & set(client.scopes)):
        raise XapiHttpError(403, "this client lacks the statements/read scope")


def _own_only(client: LrsClient) -> int | None:
    """xAPI §4.2: a client with only statements/read/mine reads the statements it stored."""
    broad = {Scope.STATEMENTS_READ, Scope.ALL_READ, Scope.ALL}
    return None if broad & set(client.scopes) else client.id


# --- Activities and Agents ----------------------------------------------------------------

# Both resources tell what statements say (definitions, names), so they need a scope that
# reads every statement of the store.
STATEMENT_READERS = (Scope.STATEMENTS_READ, Scope.ALL_READ, Scope.ALL)


class ActivitiesView(XapiView):
    """xAPI 1.0.3 Communication §2.5: an Activity with its canonical definition."""

    methods = ("get",)

    def get(self, xreq: XapiRequest, client: LrsClient, version: XapiVersion) -> HttpResponse:
        require_scope(client, STATEMENT_READERS, "read activities")
        p.reject_unknown(xreq.params, {"activityId"})
        activity_iri = p.required("activityId", p.iri_param(xreq.params, "activityId"))
        activity = activity_get(organisation_id=client.organisation_id, activity_iri=activity_iri)
        return _with_etag(json_response(activity))


class AgentsView(XapiView):
    """xAPI 1.0.3 Communication §2.4: the Person object of an Agent."""

    methods = ("get",)

    def get(self, xreq: XapiRequest, client: LrsClient, version: XapiVersion) -> HttpResponse:
        require_scope(client, STATEMENT_READERS, "read agents")
        p.reject_unknown(xreq.params, {"agent"})
        agent = p.required("agent", p.agent_object_param(xreq.params, "agent"))
        if agent.get("objectType") == "Group":
            raise XapiHttpError(400, "agent must be an Agent, not a Group (Communication §2.4)")
        return _with_etag(
            json_response(person_get(organisation_id=client.organisation_id, agent=agent))
        )


def _with_etag(response: HttpResponse) -> HttpResponse:
    """Communication §3.1.s4.b1: every GET answer carries an ETag, the SHA-1 of its body."""
    response["ETag"] = quoted(etag_of(response.content))
    return response
