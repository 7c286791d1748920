"""The document resources: State, Activity Profile and Agent Profile (xAPI 1.0.3
Communication §2.2-§2.7). Interfaces only: parse, call a service or selector, format."""

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.utils.http import http_date

from learning_records import params as p
from learning_records.auth import require_scope
from learning_records.documents import (
    DocumentBody,
    DocumentRefused,
    document_delete,
    document_post,
    document_put,
    documents_delete,
)
from learning_records.http import XapiHttpError, XapiRequest, json_response, parse_json
from learning_records.models import Document, LrsClient, Scope
from learning_records.selectors import DocumentContext, document_get, document_ids
from learning_records.views import XapiView
from learning_records.xapi.documents import (
    Conditions,
    DocumentResource,
    etag_listed,
    etag_of,
    is_json,
    mergeable,
    quoted,
)
from learning_records.xapi.versions import XapiVersion

# Documents are stored with their Content-Type; the column holds this much.
MAX_CONTENT_TYPE = 255


class DocumentView(XapiView):
    """One document by its id, or the ids of a context's documents when the id is left out."""

    methods = ("get", "put", "post", "delete")
    resource: DocumentResource
    id_name: str
    context_names: frozenset[str]
    scope: Scope
    noun: str

    def context(self, params: dict[str, str]) -> DocumentContext:
        raise NotImplementedError

    def get(self, xreq: XapiRequest, client: LrsClient, version: XapiVersion) -> HttpResponse:
        require_scope(client, (self.scope, Scope.ALL_READ, Scope.ALL), f"read {self.noun}")
        if self.id_name not in xreq.params:
            return self._ids(xreq, client)
        context, document_id = self._address(xreq)
        document = document_get(
            organisation_id=client.organisation_id, context=context, document_id=document_id
        )
        if document is None:
            raise XapiHttpError(404, f"there is no document with {self.id_name} {document_id!r}")
        return _document_response(document, xreq.header("if-none-match"))

    def put(self, xreq: XapiRequest, client: LrsClient, version: XapiVersion) -> HttpResponse:
        return self._store(xreq, client, version, merge=False)

    def post(self, xreq: XapiRequest, client: LrsClient, version: XapiVersion) -> HttpResponse:
        return self._store(xreq, client, version, merge=True)

    def delete(self, xreq: XapiRequest, client: LrsClient, version: XapiVersion) -> HttpResponse:
        require_scope(client, (self.scope, Scope.ALL), f"change {self.noun}")
        if self.id_name not in xreq.params and self.resource == DocumentResource.STATE:
            # Communication §2.3.s5: without a stateId, DELETE removes the context's states.
            p.reject_unknown(xreq.params, set(self.context_names))
            documents_delete(
                organisation_id=client.organisation_id, context=self.context(xreq.params)
            )
            return HttpResponse(status=204)
        context, document_id = self._address(xreq)
        _refused_as_http(
            document_delete,
            organisation_id=client.organisation_id,
            context=context,
            document_id=document_id,
            version=version,
            conditions=_conditions(xreq),
        )
        return HttpResponse(status=204)

    def _store(
        self, xreq: XapiRequest, client: LrsClient, version: XapiVersion, *, merge: bool
    ) -> HttpResponse:
        """PUT replaces the document; POST merges into it (Communication §2.2.s7)."""
        require_scope(client, (self.scope, Scope.ALL), f"change {self.noun}")
        context, document_id = self._address(xreq)
        _refused_as_http(
            document_post if merge else document_put,
            organisation_id=client.organisation_id,
            context=context,
            document_id=document_id,
            body=_body(xreq, merge=merge),
            version=version,
            conditions=_conditions(xreq),
        )
        return HttpResponse(status=204)

    def _address(self, xreq: XapiRequest) -> tuple[DocumentContext, str]:
        p.reject_unknown(xreq.params, {*self.context_names, self.id_name})
        context = self.context(xreq.params)
        return context, p.required(self.id_name, p.document_id_param(xreq.params, self.id_name))

    def _ids(self, xreq: XapiRequest, client: LrsClient) -> HttpResponse:
        p.reject_unknown(xreq.params, {*self.context_names, "since"})
        found = document_ids(
            organisation_id=client.organisation_id,
            context=self.context(xreq.params),
            since=p.timestamp_param(xreq.params, "since"),
        )
        response = json_response(found.ids)
        response["ETag"] = quoted(etag_of(response.content))
        if found.last_modified is not None:
            # Communication §2.2.s6.b2: the latest change among the documents listed.
            response["Last-Modified"] = http_date(found.last_modified.timestamp())
        return response


class StateView(DocumentView):
    resource = DocumentResource.STATE
    id_name = "stateId"
    context_names = frozenset({"activityId", "agent", "registration"})
    scope = Scope.STATE
    noun = "state documents"

    def context(self, params: dict[str, str]) -> DocumentContext:
        return DocumentContext(
            self.resource,
            activity_iri=p.required("activityId", p.iri_param(params, "activityId")),
            agent_key=p.required("agent", p.agent_param(params, "agent")),
            registration=p.uuid_param(params, "registration"),
        )


class ActivityProfileView(DocumentView):
    resource = DocumentResource.ACTIVITY_PROFILE
    id_name = "profileId"
    context_names = frozenset({"activityId"})
    scope = Scope.PROFILE
    noun = "activity profiles"

    def context(self, params: dict[str, str]) -> DocumentContext:
        return DocumentContext(
            self.resource, activity_iri=p.required("activityId", p.iri_param(params, "activityId"))
        )


class AgentProfileView(DocumentView):
    resource = DocumentResource.AGENT_PROFILE
    id_name = "profileId"
    context_names = frozenset({"agent"})
    scope = Scope.PROFILE
    noun = "agent profiles"

    def context(self, params: dict[str, str]) -> DocumentContext:
        return DocumentContext(
            self.resource, agent_key=p.required("agent", p.agent_param(params, "agent"))
        )


def _body(xreq: XapiRequest, *, merge: bool) -> DocumentBody:
    """The document a PUT or POST sends. JSON is parsed so that a later POST can merge into
    it; a body that claims to be JSON and is not is refused rather than stored."""
    content_type = xreq.header("content-type") or "application/octet-stream"
    if len(content_type) > MAX_CONTENT_TYPE or not (
        content_type.isascii() and content_type.isprintable()
    ):
        raise XapiHttpError(
            400, f"Content-Type must be printable ASCII of at most {MAX_CONTENT_TYPE} characters"
        )
    if not is_json(content_type):
        return DocumentBody(xreq.body, content_type)
    parsed = mergeable(parse_json(xreq.body, what="the document"))
    if merge and parsed is None:
        raise XapiHttpError(
            400,
            "a POST merges JSON objects (Communication §2.2.s7): the document must be a JSON "
            "object, without NUL characters, lone surrogates or numbers beyond a double's range",
        )
    return DocumentBody(xreq.body, content_type, parsed)


def _conditions(xreq: XapiRequest) -> Conditions:
    return Conditions(xreq.header("if-match"), xreq.header("if-none-match"))


def _refused_as_http(write: Callable[..., None], **kwargs: Any) -> None:
    try:
        write(**kwargs)
    except DocumentRefused as exc:
        raise XapiHttpError(exc.refusal.status, exc.refusal.message) from None


def _document_response(document: Document, if_none_match: str | None) -> HttpResponse:
    """The document as stored, byte for byte, with its Content-Type, ETag (§3.1.s4.b1) and
    Last-Modified (§2.2.s6.b1); 304 when the client already has this version."""
    if if_none_match is not None and etag_listed(if_none_match, document.etag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["ETag"] = quoted(document.etag)
    response["Last-Modified"] = http_date(document.updated.timestamp())
    return response
