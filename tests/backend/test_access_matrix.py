"""Every endpoint x every role x another tenant (issue 9, "Hostile input"): the access matrix.

The URL patterns are read from the resolver, so a new endpoint with no row in ROWS fails
`test_every_url_pattern_is_classified`. Each row is one (pattern, method) and says who is
allowed; everyone else must be refused (401/403/404, or the login page for a browser
page), and a refused write must leave every row of every table as it was. DESIGN.md "Who
may see what" is the rule book; the actors are described in access_world.ACTORS.

A row's outcomes:
- `allowed`: the request succeeds (2xx, or a redirect that is not to the login page);
- `sees`: of those, who finds the target's data in the answer (lists and own-data pages
  answer everyone signed in, but show Aino's record only to these);
- `own`: actors who may make the same request about their *own* data (register for the
  event, set their own plan): it succeeds and changes none of the rows that were there;
- anyone else: refused, nothing changed.
"""

import base64
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.apps import apps
from django.db import connection, transaction
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from engagement.badges.selectors import share_token as badge_share_token
from tests.backend.access_world import (
    ACTIVITY_IRI,
    ACTIVITY_NAME,
    AINO_MBOX,
    AINO_NAME,
    EVERYONE,
    LRS_CLIENTS,
    PEOPLE,
    PILOT_MILESTONE,
    PROFILE_ID,
    STATE_ID,
    World,
    build_world,
    preference_token_of,
    secret_token_of,
    unsubscribe_token_of,
)

W = World
Kwargs = Callable[[W], dict[str, Any]]

ADMIN = frozenset({"network_admin"})
OWNER = frozenset({"owner"})
NOBODY: frozenset[str] = frozenset()
TEACHERS_ANYWHERE = frozenset({"teacher", "teacher_other_cohort", "other_org_admin"})
EMPLOYER_CONTACTS = frozenset({"employer_consented", "employer_no_consent", "employer_revoked"})
# Staff of an education provider (teachers there) and administrators read every company's
# training needs and the needs-vs-offer report (docs/needs.md).
NEED_READERS = TEACHERS_ANYWHERE | ADMIN
# What an employer contact must never be shown of a learner (DESIGN.md; Act 759/2004 §3):
# activity streams, log-ins, time on task, risk flags.
# (The pathway's completion criteria name activity IRIs too: those are catalogue data.)
EMPLOYER_NEVER = (AINO_MBOX, "owner@example.fi", "PT47M", "time_spent", "last_active", "last_login")

ALL_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    allowed: frozenset[str]
    kwargs: Kwargs = lambda w: {}
    query: Callable[[W], dict[str, str]] = lambda w: {}
    body: Callable[[W], Any] | None = None
    # A body that depends on who sends it (an employer contact names their own company).
    body_of: Callable[[W, str], Any] | None = None
    form: bool = False
    headers: tuple[tuple[str, str], ...] = ()
    sees: frozenset[str] | None = None
    marker: Callable[[W], str] = lambda w: AINO_NAME
    own: frozenset[str] = NOBODY
    # Some endpoints refuse another's id as invalid input, by design (it "reads as unknown").
    refusals: tuple[int, ...] = (401, 403, 404)
    note: str = ""

    @property
    def writes(self) -> bool:
        return self.method not in ("get", "head")

    @property
    def id(self) -> str:
        return f"{self.name}:{self.method.upper()}"


def _row(name: str, methods: str, allowed: frozenset[str], **options: Any) -> list[Row]:
    return [Row(name, method, allowed, **options) for method in methods.split()]


def _pk(attribute: str, key: str = "pk") -> Kwargs:
    return lambda w: {key: getattr(w, attribute).pk}


def _uuid(attribute: str) -> Kwargs:
    return lambda w: {"uuid": getattr(w, attribute).uuid}


def _json(value: Any) -> Callable[[W], Any]:
    return lambda w: value


def _agent(w: W) -> dict[str, str]:
    return {"agent": w.aino_agent}


def _statement(w: W) -> dict[str, Any]:
    return w.statement


STATE = lambda w: {"activityId": ACTIVITY_IRI, **_agent(w), "stateId": STATE_ID}  # noqa: E731
ACTIVITY_PROFILE = lambda w: {"activityId": ACTIVITY_IRI, "profileId": PROFILE_ID}  # noqa: E731
AGENT_PROFILE = lambda w: {**_agent(w), "profileId": PROFILE_ID}  # noqa: E731
DOCUMENT = {"marker": "changed"}
# Every signed-in person may call it; only the owner's answer carries her data.
PEOPLE_SEE_OWN = {"sees": OWNER}

ROWS: list[Row] = [
    # --- Public pages and documents --------------------------------------------------------
    *_row("home", "get", EVERYONE),
    *_row("healthz", "get", EVERYONE),
    *_row("catalogue", "get", EVERYONE),
    *_row("members", "get", EVERYONE),
    *_row("membership-join", "get", EVERYONE),
    *_row("membership-thanks", "get", EVERYONE),
    *_row("schema", "get", EVERYONE),
    *_row("api-docs", "get", EVERYONE),
    *_row("login", "get", EVERYONE),
    *_row("logout", "post", EVERYONE),
    *_row("set_language", "post", EVERYONE, body=_json({"language": "en"}), form=True),
    *_row("dashboards:plotly_js", "get", EVERYONE, kwargs=lambda w: {"version": w.plotly}),
    *_row("events:calendar", "get", EVERYONE),
    *_row("events:feed", "get", EVERYONE),
    *_row("events:detail", "get", EVERYONE, kwargs=lambda w: {"event_uuid": w.event.uuid}),
    *_row("events-api:list", "get", EVERYONE),
    *_row("events-api:detail", "get", EVERYONE, kwargs=lambda w: {"event_uuid": w.event.uuid}),
    *_row("network:catalogue-list", "get", EVERYONE),
    *_row("network:catalogue-overlaps", "get", EVERYONE),
    *_row("network:catalogue-detail", "get", EVERYONE, kwargs=lambda w: {"slug": "cells"}),
    # Open Badges hosted verification: public by design (the recipient is a salted hash).
    *_row("badges:issuer", "get", EVERYONE, kwargs=_uuid("issuer")),
    *_row("badges:badge-class", "get", EVERYONE, kwargs=_uuid("badge_class")),
    *_row("badges:badge-class-image", "get", EVERYONE, kwargs=_uuid("badge_class")),
    *_row("badges:assertion", "get", EVERYONE, kwargs=_uuid("assertion")),
    *_row("badges:assertion-baked", "get", EVERYONE, kwargs=_uuid("assertion")),
    *_row("badges:context", "get", EVERYONE, kwargs=lambda w: {"name": "openbadges-v2"}),
    *_row("badges:ob3-keys", "get", EVERYONE),
    *_row("badges:ob3-key", "get", EVERYONE, kwargs=lambda w: {"thumbprint": w.thumbprint}),
    *_row("badges:ob3-did", "get", EVERYONE),
    *_row("badges:ob3-issuer", "get", EVERYONE, kwargs=_uuid("issuer")),
    *_row("badges:ob3-achievement", "get", EVERYONE, kwargs=_uuid("badge_class")),
    *_row("badges:ob3-status-list", "get", EVERYONE, kwargs=_uuid("issuer")),
    # Capability links: whoever holds the signed token may use it (test_capability_links
    # shows an altered token is refused).
    *_row(
        "badges:shared",
        "get",
        EVERYONE,
        kwargs=lambda w: {"token": badge_share_token(w.badge_share)},
    ),
    *_row(
        "notifications-unsubscribe",
        "get",
        EVERYONE,
        kwargs=lambda w: {"token": unsubscribe_token_of(w)},
    ),
    *_row(
        "notifications-preferences",
        "get",
        EVERYONE,
        kwargs=lambda w: {"token": preference_token_of(w)},
    ),
    *_row("membership-secret", "get", EVERYONE, kwargs=lambda w: {"token": secret_token_of(w)}),
    # --- The LRS (HTTP Basic of LRS clients; people's sessions do not count) ----------------
    *_row("xapi:about", "get", EVERYONE),
    *_row(
        "xapi:statements",
        "get",
        frozenset({"lrs_owner"}),
        query=lambda w: {"statementId": w.statement_id},
    ),
    *_row(
        "xapi:statements",
        "put",
        frozenset({"lrs_owner"}),
        query=lambda w: {"statementId": w.statement_id},
        body=_statement,
        own=frozenset({"lrs_other"}),
        note="another tenant's PUT of the same id is stored in its own store",
    ),
    *_row(
        "xapi:statements",
        "post",
        frozenset({"lrs_owner"}),
        body=lambda w: {
            "actor": {"mbox": "mailto:teacher@savonia.fi"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
            "object": {"objectType": "StatementRef", "id": w.statement_id},
        },
        own=frozenset({"lrs_other"}),
        note="another tenant's voiding lands in its own store and voids nothing of Aino's",
    ),
    *_row(
        "xapi:activities",
        "get",
        LRS_CLIENTS,
        query=lambda w: {"activityId": ACTIVITY_IRI},
        sees=frozenset({"lrs_owner"}),
        marker=lambda w: ACTIVITY_NAME,
    ),
    *_row("xapi:agents", "get", LRS_CLIENTS, query=_agent, sees=frozenset({"lrs_owner"})),
    *_row("xapi:state", "get", frozenset({"lrs_owner"}), query=STATE),
    *_row(
        "xapi:state",
        "put",
        frozenset({"lrs_owner"}),
        query=STATE,
        body=_json(DOCUMENT),
        # xAPI 1.0.3 Communication §1.3: a PUT over an existing document names it; in
        # another tenant's store there is no such document (412).
        headers=(("If-Match", "*"),),
        refusals=(401, 403, 404, 412),
    ),
    *_row(
        "xapi:state",
        "post delete",
        frozenset({"lrs_owner"}),
        query=STATE,
        body=_json(DOCUMENT),
        own=frozenset({"lrs_other"}),
    ),
    *_row("xapi:activity-profile", "get", frozenset({"lrs_owner"}), query=ACTIVITY_PROFILE),
    *_row(
        "xapi:activity-profile",
        "put",
        frozenset({"lrs_owner"}),
        query=ACTIVITY_PROFILE,
        body=_json(DOCUMENT),
        # xAPI 1.0.3 Communication §1.3: a PUT over an existing document names it; in
        # another tenant's store there is no such document (412).
        headers=(("If-Match", "*"),),
        refusals=(401, 403, 404, 412),
    ),
    *_row(
        "xapi:activity-profile",
        "post delete",
        frozenset({"lrs_owner"}),
        query=ACTIVITY_PROFILE,
        body=_json(DOCUMENT),
        own=frozenset({"lrs_other"}),
    ),
    *_row("xapi:agent-profile", "get", frozenset({"lrs_owner"}), query=AGENT_PROFILE),
    *_row(
        "xapi:agent-profile",
        "put",
        frozenset({"lrs_owner"}),
        query=AGENT_PROFILE,
        body=_json(DOCUMENT),
        # xAPI 1.0.3 Communication §1.3: a PUT over an existing document names it; in
        # another tenant's store there is no such document (412).
        headers=(("If-Match", "*"),),
        refusals=(401, 403, 404, 412),
    ),
    *_row(
        "xapi:agent-profile",
        "post delete",
        frozenset({"lrs_owner"}),
        query=AGENT_PROFILE,
        body=_json(DOCUMENT),
        own=frozenset({"lrs_other"}),
    ),
    # --- The directory API ------------------------------------------------------------------
    *_row("network:import", "post", ADMIN, body=lambda w: w.import_document),
    *_row("network:export", "get", ADMIN),
    *_row("network:organisation-list", "get", PEOPLE),
    *_row(
        "network:organisation-list",
        "post",
        ADMIN,
        body=_json({"slug": "new-co", "name_en": "New Co", "kind": "company"}),
    ),
    *_row("network:organisation-detail", "get", PEOPLE, kwargs=lambda w: {"slug": "savonia"}),
    *_row(
        "network:organisation-detail",
        "patch",
        ADMIN,
        kwargs=lambda w: {"slug": "savonia"},
        body=_json({"name_fi": "Savonia-AMK"}),
    ),
    *_row("network:organisation-detail", "delete", ADMIN, kwargs=lambda w: {"slug": "kokkola"}),
    *_row(
        "network:person-list",
        "get",
        PEOPLE,
        sees=frozenset({"owner", "teacher", "network_admin"}),
    ),
    *_row(
        "network:person-list",
        "post",
        ADMIN,
        body=_json({"given_name": "New", "family_name": "Person", "email": "new@example.fi"}),
    ),
    *_row("network:person-me", "get", PEOPLE, **PEOPLE_SEE_OWN),
    *_row(
        "network:person-detail",
        "get",
        frozenset({"owner", "teacher", "network_admin"}),
        kwargs=_pk("aino"),
    ),
    *_row(
        "network:person-detail",
        "patch",
        ADMIN,
        kwargs=_pk("aino"),
        body=_json({"family_name": "Changed"}),
    ),
    *_row("network:person-detail", "delete", ADMIN, kwargs=_pk("aino")),
    *_row(
        "network:role-list",
        "get",
        PEOPLE,
        sees=frozenset({"owner", "network_admin"}),
        marker=lambda w: f'"id":{w.role.pk},',
    ),
    *_row(
        "network:role-list",
        "post",
        ADMIN,
        body=lambda w: {"person": w.aino.pk, "organisation": "sedu", "kind": "learner"},
    ),
    *_row("network:role-detail", "get", frozenset({"owner", "network_admin"}), kwargs=_pk("role")),
    *_row("network:role-detail", "delete", ADMIN, kwargs=_pk("role")),
    *_row(
        "network:identity-list",
        "get",
        PEOPLE,
        sees=frozenset({"owner", "network_admin"}),
        marker=lambda w: AINO_MBOX,
    ),
    *_row(
        "network:identity-list",
        "post",
        ADMIN,
        body=lambda w: {"person": w.aino.pk, "kind": "mbox", "value": "mailto:a2@example.fi"},
    ),
    *_row(
        "network:identity-detail",
        "get",
        frozenset({"owner", "network_admin"}),
        kwargs=_pk("identity"),
    ),
    *_row("network:identity-detail", "delete", ADMIN, kwargs=_pk("identity")),
    *_row("network:skill-list", "get", PEOPLE),
    *_row(
        "network:skill-list",
        "post",
        ADMIN,
        body=_json({"uri": "http://data.europa.eu/esco/skill/new-1", "label_en": "new skill"}),
    ),
    *_row("network:skill-detail", "get", PEOPLE, kwargs=_pk("skill")),
    *_row(
        "network:skill-detail", "patch", ADMIN, kwargs=_pk("skill"), body=_json({"label_fi": "x"})
    ),
    *_row("network:skill-detail", "delete", ADMIN, kwargs=_pk("skill")),
    # The pilot pathway is unpublished: its learners and administrators see it.
    *_row(
        "network:pathway-list",
        "get",
        PEOPLE,
        sees=frozenset({"owner", "network_admin"}),
        marker=lambda w: "pilot-4471",
    ),
    *_row(
        "network:pathway-list",
        "post",
        ADMIN,
        body=_json({"slug": "new-path", "title_en": "New", "eqf_level": 4, "effort_hours": 10}),
    ),
    *_row(
        "network:pathway-detail",
        "get",
        frozenset({"owner", "network_admin"}),
        kwargs=lambda w: {"slug": "pilot-4471"},
    ),
    *_row(
        "network:pathway-detail",
        "patch",
        ADMIN,
        kwargs=lambda w: {"slug": "pilot-4471"},
        body=_json({"is_published": True}),
    ),
    *_row("network:pathway-detail", "delete", ADMIN, kwargs=lambda w: {"slug": "extra"}),
    *_row(
        "network:milestone-list",
        "get",
        PEOPLE,
        sees=frozenset({"owner", "network_admin"}),
        marker=lambda w: PILOT_MILESTONE,
    ),
    *_row(
        "network:milestone-list",
        "post",
        ADMIN,
        body=lambda w: {"pathway": "pilot-4471", "position": 2, "title_en": "Second"},
    ),
    *_row(
        "network:milestone-detail",
        "get",
        frozenset({"owner", "network_admin"}),
        kwargs=_pk("pilot_milestone"),
    ),
    *_row(
        "network:milestone-detail",
        "patch",
        ADMIN,
        kwargs=_pk("pilot_milestone"),
        body=_json({"title_en": "Renamed"}),
    ),
    *_row("network:milestone-detail", "delete", ADMIN, kwargs=_pk("pilot_milestone")),
    *_row(
        "network:activity-list",
        "get",
        PEOPLE,
        sees=frozenset({"owner", "network_admin"}),
        marker=lambda w: w.pilot_activity.activity_iri,
    ),
    *_row(
        "network:activity-list",
        "post",
        ADMIN,
        body=lambda w: {
            "milestone": w.pilot_milestone.pk,
            "activity_iri": "https://moodle.savonia.fi/mod/quiz/new",
            "verbs": ["http://adlnet.gov/expapi/verbs/passed"],
        },
    ),
    *_row(
        "network:activity-detail",
        "get",
        frozenset({"owner", "network_admin"}),
        kwargs=_pk("pilot_activity"),
    ),
    *_row(
        "network:activity-detail",
        "patch",
        ADMIN,
        kwargs=_pk("pilot_activity"),
        body=_json({"min_scaled": 0.5}),
    ),
    *_row("network:activity-detail", "delete", ADMIN, kwargs=_pk("pilot_activity")),
    *_row(
        "network:enrolment-list",
        "get",
        PEOPLE,
        sees=frozenset({"owner", "teacher", "network_admin"}),
        marker=lambda w: f'"id":{w.enrolment.pk},',
    ),
    *_row(
        "network:enrolment-list",
        "post",
        ADMIN,
        body=lambda w: {"learner": w.aino.pk, "pathway": "extra", "started_on": "2026-03-01"},
    ),
    *_row(
        "network:enrolment-detail",
        "get",
        frozenset({"owner", "teacher", "network_admin"}),
        kwargs=_pk("enrolment"),
    ),
    *_row(
        "network:enrolment-detail",
        "patch",
        ADMIN,
        kwargs=_pk("enrolment"),
        body=_json({"status": "paused"}),
    ),
    *_row("network:enrolment-detail", "delete", ADMIN, kwargs=_pk("enrolment")),
    *_row(
        "network:shared-enrolment-list",
        "get",
        PEOPLE,
        sees=frozenset({"employer_consented"}),
    ),
    *_row(
        "network:shared-enrolment-detail",
        "get",
        frozenset({"employer_consented"}),
        kwargs=_pk("enrolment"),
    ),
    *_row(
        "network:cohort-list",
        "get",
        PEOPLE,
        sees=frozenset({"teacher", "network_admin"}),
        marker=lambda w: w.cohort.name,
    ),
    *_row(
        "network:cohort-list",
        "post",
        ADMIN,
        body=_json({"provider": "savonia", "name": "New cohort"}),
    ),
    *_row(
        "network:cohort-detail",
        "get",
        frozenset({"teacher", "network_admin"}),
        kwargs=_pk("cohort"),
    ),
    *_row(
        "network:cohort-detail",
        "patch",
        ADMIN,
        kwargs=_pk("cohort"),
        body=_json({"name": "Renamed"}),
    ),
    *_row("network:cohort-detail", "delete", ADMIN, kwargs=_pk("cohort")),
    *_row(
        "network:consent-list",
        "get",
        PEOPLE,
        sees=frozenset({"owner", "employer_consented", "network_admin"}),
        marker=lambda w: f'"id":{w.consent.pk},',
    ),
    *_row(
        "network:consent-list",
        "post",
        OWNER,
        body=lambda w: {"enrolment": w.enrolment.pk, "employer": "kokkola"},
        # The serializer offers only the caller's own enrolments: another's id is invalid.
        refusals=(400, 401, 403, 404),
    ),
    *_row(
        "network:consent-detail",
        "get",
        frozenset({"owner", "employer_consented", "network_admin"}),
        kwargs=_pk("consent"),
    ),
    *_row(
        "network:consent-detail",
        "get",
        frozenset({"owner", "network_admin"}),
        kwargs=_pk("revoked_consent"),
        note="a revoked consent is the learner's history, not the employer's",
    ),
    *_row(
        "network:consent-revoke",
        "post",
        frozenset({"owner", "network_admin"}),
        kwargs=_pk("consent"),
    ),
    # --- Rules ------------------------------------------------------------------------------
    *_row("rules:study-plan", "get", OWNER),
    *_row(
        "rules:study-plan",
        "put",
        OWNER,
        body=_json({"days_per_week": 5, "preferred_times": []}),
        own=PEOPLE - OWNER,
    ),
    *_row(
        "rules:traffic-lights",
        "get",
        frozenset({"teacher", "network_admin"}),
        query=lambda w: {"cohort": str(w.cohort.pk)},
    ),
    *_row("rules:rule-list", "get", ADMIN),
    *_row(
        "rules:rule-list",
        "post",
        ADMIN,
        body=_json(
            {
                "name": "Another",
                "definition": {
                    "kind": "inactive",
                    "days": 9,
                    "action": {"type": "nudge", "template": "come_back"},
                },
            }
        ),
    ),
    *_row("rules:rule-detail", "get", ADMIN, kwargs=_pk("rule")),
    *_row("rules:rule-detail", "patch", ADMIN, kwargs=_pk("rule"), body=_json({"name": "New"})),
    *_row("rules:rule-versions", "get", ADMIN, kwargs=_pk("rule")),
    *_row("rules:rule-preview", "get", ADMIN, kwargs=_pk("rule")),
    *_row("rules:rule-effectiveness", "get", ADMIN, kwargs=_pk("rule")),
    *_row("rules:rule-enable", "post", ADMIN, kwargs=_pk("rule")),
    *_row("rules:rule-disable", "post", ADMIN, kwargs=_pk("rule")),
    # --- Notifications ----------------------------------------------------------------------
    *_row("notifications:notification-preferences", "get", PEOPLE),
    *_row(
        "notifications:notification-preferences",
        "patch",
        OWNER,
        body=_json({"opted_out": ["study_reminders"]}),
        own=PEOPLE - OWNER,
    ),
    *_row(
        "notifications:notification-list",
        "get",
        PEOPLE,
        sees=OWNER,
        marker=lambda w: f'"id":{w.notification.pk},',
    ),
    *_row("notifications:notification-read-all", "post", OWNER, body=_json({}), own=PEOPLE - OWNER),
    *_row("notifications:notification-unread-count", "get", PEOPLE),
    *_row(
        "notifications:notification-detail",
        "patch",
        OWNER,
        kwargs=_pk("notification"),
        body=_json({"read": True}),
    ),
    *_row(
        "notifications-unsubscribe",
        "post",
        EVERYONE,
        kwargs=lambda w: {"token": unsubscribe_token_of(w)},
        note="RFC 8058 one-click: the signed token is the authority",
    ),
    *_row(
        "notifications-preferences",
        "post",
        EVERYONE,
        kwargs=lambda w: {"token": preference_token_of(w)},
        body=_json({"topics": ["achievements"]}),
        form=True,
    ),
    *_row(
        "notifications-sendgrid-events",
        "post",
        NOBODY,
        body=_json([{"event": "delivered", "kipina_id": "1"}]),
        note="only a call signed with SendGrid's key is accepted",
    ),
    # --- Training needs ---------------------------------------------------------------------
    *_row(
        "needs-api:need-list",
        "get",
        NEED_READERS | EMPLOYER_CONTACTS,
        sees=NEED_READERS | {"employer_consented"},
        marker=lambda w: "Cell assembly for the new line",
    ),
    *_row(
        "needs-api:need-list",
        "post",
        NOBODY,
        body=lambda w: {
            "skills": [w.skill.uri],
            "people": 2,
            "needed_by": w.future_date,
            "eqf_level": 5,
        },
        own=EMPLOYER_CONTACTS,
    ),
    *_row(
        "needs-api:need-detail",
        "get",
        NEED_READERS | {"employer_consented"},
        kwargs=_pk("need"),
    ),
    *_row(
        "needs-api:need-detail",
        "patch",
        frozenset({"employer_consented"}),
        kwargs=_pk("need"),
        body=_json({"people": 9}),
    ),
    *_row("needs-api:need-detail", "delete", frozenset({"employer_consented"}), kwargs=_pk("need")),
    *_row("needs-api:offer", "get", NEED_READERS),
    *_row("needs:index", "get", EMPLOYER_CONTACTS),
    *_row(
        "needs:index",
        "post",
        NOBODY,
        body_of=lambda w, actor: {
            "company": getattr(w.company_of(actor), "pk", ""),
            "skills": [w.skill.pk],
            "people": 2,
            "needed_by": w.future_date,
            "eqf_level": 5,
        },
        form=True,
        own=EMPLOYER_CONTACTS,
    ),
    *_row("needs:edit", "get", frozenset({"employer_consented"}), kwargs=_pk("need", "need_id")),
    *_row(
        "needs:edit",
        "post",
        frozenset({"employer_consented"}),
        kwargs=_pk("need", "need_id"),
        body=lambda w: {
            "company": w.valmet.pk,
            "skills": [w.skill.pk],
            "people": 7,
            "needed_by": w.future_date,
            "eqf_level": 5,
        },
        form=True,
    ),
    *_row(
        "needs:withdraw", "post", frozenset({"employer_consented"}), kwargs=_pk("need", "need_id")
    ),
    *_row("needs:offer", "get", NEED_READERS),
    *_row(
        "needs:for_me",
        "get",
        PEOPLE,
        sees=OWNER,
        marker=lambda w: reverse("needs:unlink", args=[w.employer_link.pk]),
    ),
    *_row(
        "needs:link",
        "post",
        OWNER,
        body=lambda w: {"company": w.kokkola.pk},
        form=True,
        own=PEOPLE - OWNER,
    ),
    *_row("needs:unlink", "post", OWNER, kwargs=_pk("employer_link", "link_id")),
    # --- Badges -----------------------------------------------------------------------------
    *_row("badges-api:mine", "get", PEOPLE, sees=OWNER, marker=lambda w: str(w.assertion.uuid)),
    *_row(
        "badges-api:share",
        "get",
        PEOPLE,
        sees=OWNER,
        marker=lambda w: badge_share_token(w.badge_share),
    ),
    *_row(
        "badges-api:share",
        "put",
        OWNER,
        body=_json({"enabled": True, "new_link": True}),
        own=PEOPLE - OWNER,
    ),
    *_row(
        "badges-api:assertion-revoke",
        "post",
        ADMIN,
        kwargs=_uuid("assertion"),
        body=_json({"reason": "issued in error"}),
    ),
    *_row("badges-api:employer-shares", "get", OWNER, kwargs=_uuid("assertion")),
    *_row(
        "badges-api:employer-shares",
        "post",
        OWNER,
        kwargs=_uuid("assertion"),
        body=_json({"employer": "valmet"}),
    ),
    *_row(
        "badges-api:employer-share",
        "delete",
        OWNER,
        kwargs=lambda w: {"uuid": w.assertion.uuid, "employer": "valmet"},
    ),
    *_row(
        "badges-api:shown-to-employer",
        "get",
        PEOPLE,
        sees=frozenset({"employer_consented"}),
        marker=lambda w: str(w.assertion.uuid),
    ),
    *_row("badges:ob3-credential-jwt", "get", OWNER, kwargs=_uuid("assertion")),
    *_row("badges:ob3-credential-json", "get", OWNER, kwargs=_uuid("assertion")),
    # --- Events -----------------------------------------------------------------------------
    *_row(
        "events:register",
        "post",
        OWNER,
        kwargs=lambda w: {"event_uuid": w.event.uuid},
        own=PEOPLE - OWNER,
    ),
    *_row(
        "events:cancel",
        "post",
        OWNER,
        kwargs=lambda w: {"event_uuid": w.event.uuid},
        own=PEOPLE - OWNER,
        note="others have no registration to cancel: told so, nothing changes",
    ),
    *_row(
        "events-api:registration",
        "get",
        OWNER,
        kwargs=lambda w: {"event_uuid": w.event.uuid},
    ),
    *_row(
        "events-api:registration",
        "post",
        OWNER,
        kwargs=lambda w: {"event_uuid": w.event.uuid},
        own=PEOPLE - OWNER,
    ),
    *_row(
        "events-api:registration",
        "delete",
        OWNER,
        kwargs=lambda w: {"event_uuid": w.event.uuid},
    ),
    # The organiser's staff (Savonia's teachers) and administrators.
    *_row(
        "events-api:attendance",
        "post",
        frozenset({"teacher", "teacher_other_cohort", "network_admin"}),
        kwargs=lambda w: {"event_uuid": w.started_event.uuid},
        body=lambda w: {"person": w.aino.pk},
    ),
    # --- Membership -------------------------------------------------------------------------
    *_row(
        "membership-join",
        "post",
        EVERYONE,
        body=_json(
            {
                "name_en": "Cathode Works",
                "kind": "company",
                "business_id": "1572860-0",
                "contact_given_name": "Kai",
                "contact_family_name": "Koski",
                "contact_email": "kai@cathode.example.fi",
                "language": "en",
                "offer": "Cathodes.",
            }
        ),
        form=True,
    ),
    *_row("membership-secret", "post", EVERYONE, kwargs=lambda w: {"token": secret_token_of(w)}),
    *_row("membership-approve", "post", ADMIN, kwargs=_pk("application"), body=_json({})),
    *_row(
        "membership-decline",
        "post",
        ADMIN,
        kwargs=_pk("application"),
        body=_json({"reason": "Not in the battery value chain."}),
    ),
    # --- Dashboards -------------------------------------------------------------------------
    *_row("dashboards:teacher", "get", TEACHERS_ANYWHERE, sees=frozenset({"teacher"})),
    *_row(
        "dashboards:teacher",
        "get",
        frozenset({"teacher"}),
        kwargs=_pk("cohort", "cohort_id"),
    ),
    *_row(
        "dashboards:teacher_csv", "get", frozenset({"teacher"}), kwargs=_pk("cohort", "cohort_id")
    ),
    *_row(
        "dashboards:teacher_message",
        "post",
        frozenset({"teacher"}),
        kwargs=_pk("cohort", "cohort_id"),
        body=_json({"colour": "all"}),
        form=True,
    ),
    *_row("dashboards:employer", "get", EMPLOYER_CONTACTS, sees=frozenset({"employer_consented"})),
    *_row(
        "dashboards:employer_summary",
        "post",
        NOBODY,
        body=_json({"summary_frequency": "monthly"}),
        form=True,
        own=EMPLOYER_CONTACTS,
    ),
    *_row("dashboards:learner", "get", PEOPLE, sees=OWNER, marker=lambda w: w.pilot.title_en),
    *_row(
        "dashboards:learner_plan",
        "post",
        OWNER,
        body=_json({"days_per_week": 2}),
        form=True,
        own=PEOPLE - OWNER,
    ),
    *_row(
        "dashboards:learner_consent_give",
        "post",
        OWNER,
        body=lambda w: {"enrolment": w.enrolment.pk, "employer": w.kokkola.pk},
        form=True,
        refusals=(400, 401, 403, 404),
    ),
    *_row(
        "dashboards:learner_badge_share",
        "post",
        OWNER,
        body=_json({"action": "new_link"}),
        form=True,
        own=PEOPLE - OWNER,
    ),
    *_row(
        "dashboards:learner_consent_revoke",
        "post",
        OWNER,
        kwargs=_pk("consent", "consent_id"),
    ),
    *_row(
        "dashboards:learner_notification_read",
        "post",
        OWNER,
        kwargs=_pk("notification", "notification_id"),
    ),
    *_row("dashboards:learner_export", "get", PEOPLE, **PEOPLE_SEE_OWN),
    *_row("privacy:my-export", "get", PEOPLE, **PEOPLE_SEE_OWN),
    *_row("dashboards:network", "get", ADMIN),
]

# The Django admin: staff only, and no actor of the matrix is staff. Its login page is open,
# and its logout sends a non-staff caller to the admin's index (and so to the login).
ADMIN_SITE_OPEN = {"admin:login", "admin:logout"}


# --- The world, built once for the module -----------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once; each test runs in a savepoint of this transaction (pytest-django's `db`),
    and the whole is rolled back at the end of the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _settings(settings: Any) -> None:
    settings.KIPINA_PROGRESS_SETTLE_SECONDS = 0
    # Configured, so an unsigned call is refused for its signature (503 says "not set up").
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = SENDGRID_PUBLIC_KEY


def _public_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


SENDGRID_PUBLIC_KEY = _public_key()


def _patterns(
    resolvers: list[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, frozenset[str]]]:
    """(qualified name, route text, parameter names) of every URL pattern."""
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        else:
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            route = prefix + str(entry.pattern)
            yield name, route, frozenset(entry.pattern.regex.groupindex)


def _key(name: str, params: frozenset[str]) -> tuple[str, frozenset[str]]:
    return name, params


def _row_key(row: Row, world: World | None = None) -> tuple[str, frozenset[str]]:
    kwargs = row.kwargs(world) if world is not None else {}
    return row.name, frozenset(kwargs)


def test_every_url_pattern_is_classified(world: World, db: None) -> None:
    """A new endpoint fails here until it has rows in ROWS (or it is the admin site's)."""
    classified = {_row_key(row, world) for row in ROWS}
    missing = [
        route
        for name, route, params in _patterns(get_resolver().url_patterns)
        if not route.startswith("admin/") and (name, params) not in classified
    ]
    assert missing == []


def test_every_row_names_a_pattern(world: World, db: None) -> None:
    """A row of a pattern that is gone is a stale row."""
    known = {(name, params) for name, _route, params in _patterns(get_resolver().url_patterns)}
    assert [row.id for row in ROWS if _row_key(row, world) not in known] == []


# --- One cell: a row and an actor ------------------------------------------------------------

# Tables an actor's request about their *own* data may add rows to; Aino's rows in them
# must stay as they were.
OWN_TABLES = (
    "rules.studyplan",
    "notifications.preference",
    "notifications.topicoptout",
    "notifications.notification",
    "badges.badgeshare",
    "badges.employerbadgeshare",
    "events.registration",
    "needs.employerlink",
    "needs.trainingneed",
    "network.consent",
    "network.enrolment",
    "learning_records.statement",
    "learning_records.document",
)
WRITE_SQL = re.compile(r"^\s*(INSERT|UPDATE|DELETE|COPY)\b", re.IGNORECASE)
# Signing in and the messages of a refused page touch the session, nothing else.
SESSION_SQL = re.compile(r'"?(django_session|auth_user)"?', re.IGNORECASE)


def _rows(labels: tuple[str, ...]) -> dict[str, dict[Any, dict[str, Any]]]:
    rows: dict[str, dict[Any, dict[str, Any]]] = {}
    for label in labels:
        model = apps.get_model(label)
        pk = model._meta.pk.attname
        rows[label] = {values[pk]: values for values in model._default_manager.values()}
    return rows


def _changed(before: dict[str, dict[Any, dict[str, Any]]]) -> list[str]:
    """Rows that were there before and are now changed or gone."""
    after = _rows(tuple(before))
    return [
        f"{label} {pk} {'changed' if pk in after[label] else 'deleted'}"
        for label, rows in before.items()
        for pk, values in rows.items()
        if after[label].get(pk) != values
    ]


def _writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"][:120]
        for query in queries.captured_queries
        if WRITE_SQL.match(query["sql"]) and not SESSION_SQL.search(query["sql"].split("(")[0])
    ]


def _request(world: World, row: Row, actor: str) -> Any:
    path = reverse(row.name, kwargs=row.kwargs(world))
    client = world.client(actor)
    client.defaults.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in row.headers})
    query = row.query(world)
    body = row.body(world) if row.body is not None else None
    if row.body_of is not None:
        body = row.body_of(world, actor)
    if row.method == "get":
        return client.get(path, query)
    if query:
        path = f"{path}?{'&'.join(f'{k}={_quoted(v)}' for k, v in query.items())}"
    call = getattr(client, row.method)
    if row.form:
        if row.method == "post":
            return call(path, body or {})
        from urllib.parse import urlencode

        return call(
            path,
            urlencode(body or {}, doseq=True),
            content_type="application/x-www-form-urlencoded",
        )
    if body is None:
        return call(path)
    return call(path, json.dumps(body), content_type="application/json")


def _quoted(value: Any) -> str:
    from urllib.parse import quote

    return quote(str(value), safe="")


def _refused(response: HttpResponse, row: Row) -> bool:
    if response.status_code in row.refusals:
        return True
    # A browser page sends the signed-out to the login page.
    location = response.headers.get("Location", "")
    return response.status_code == 302 and "/login/" in location


def _succeeded(response: HttpResponse) -> bool:
    location = response.headers.get("Location", "")
    return 200 <= response.status_code < 400 and "/login/" not in location


def _body(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")  # type: ignore[attr-defined]
    return response.content.decode("utf-8", "replace")


# A public row is tried by a sample of actors: signed out, a learner, and an LRS client.
PUBLIC_SAMPLE = ("anonymous", "owner", "lrs_other")
# The LRS authenticates LRS clients only: a person's session is no credential there, the
# same for every person (so a sample of them), and the two clients are the point.
XAPI_ACTORS = ("anonymous", "owner", "network_admin", "lrs_owner", "lrs_other")
# Elsewhere the LRS's Basic credentials are no credential: one client shows it.
PAGE_ACTORS = tuple(sorted(EVERYONE - {"lrs_other"}))


def _actors(row: Row) -> tuple[str, ...]:
    if row.allowed == EVERYONE:
        return PUBLIC_SAMPLE
    return XAPI_ACTORS if row.name.startswith("xapi:") else PAGE_ACTORS


def _cells() -> list[Any]:
    cells, seen = [], Counter[str]()
    for row in ROWS:
        seen[row.id] += 1
        suffix = f"[{seen[row.id]}]" if seen[row.id] > 1 else ""
        cells += [
            pytest.param(row, actor, id=f"{row.id}{suffix}-{actor}") for actor in _actors(row)
        ]
    return cells


@pytest.mark.parametrize(("row", "actor"), _cells())
def test_access(world: World, db: None, row: Row, actor: str) -> None:
    own = actor in row.own and actor not in row.allowed
    before = _rows(OWN_TABLES) if row.writes and own else None
    with CaptureQueriesContext(connection) as queries:
        response = _request(world, row, actor)
    text = _body(response)
    where = f"{row.id} as {actor}: {response.status_code} {text[:300]!r}"
    if actor in row.allowed or own:
        assert _succeeded(response), where
        if row.sees is not None or own:
            seen = actor in (row.sees or NOBODY)
            assert (row.marker(world) in text) == seen, f"{where}: should it show Aino's data?"
        if actor.startswith("employer"):
            leaked = [marker for marker in EMPLOYER_NEVER if marker in text]
            assert leaked == [], f"{where}: shows an employer {leaked}"
        if before is not None:
            assert _changed(before) == [], where
    else:
        assert _refused(response, row), where
        assert _writes(queries) == [], where


# --- The Django admin ------------------------------------------------------------------------


def _admin_paths() -> list[str]:
    """A path of every named admin page, its parameters filled in. (The unnamed ones only
    redirect to a named change page.)"""
    values = {"app_label": "network", "url": "nothing-here"}
    return [
        reverse(name, kwargs={param: values.get(param, "1") for param in params})
        for name, route, params in _patterns(get_resolver().url_patterns)
        if route.startswith("admin/") and name.startswith("admin:") and name != "admin:"
        if name not in ADMIN_SITE_OPEN
    ]


@pytest.mark.parametrize("actor", ["anonymous", "owner", "network_admin", "lrs_owner"])
def test_the_admin_site_refuses_everyone_who_is_not_staff(
    world: World, db: None, actor: str
) -> None:
    """No actor of the matrix is Django staff (the network administrator's role is the
    network's, not the admin site's): every admin page sends them to its login."""
    client = world.client(actor)
    answers = {path: client.get(path) for path in _admin_paths()}
    opened = {
        path: response.status_code
        for path, response in answers.items()
        if not (response.status_code in (403, 404) or "/login/" in response.get("Location", ""))
    }
    assert len(answers) > 100
    assert opened == {}
