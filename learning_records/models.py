import hashlib
import json

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from engagement.network.models import Organisation
from learning_records.xapi.documents import DocumentResource


def lookup_hash(value: str) -> int:
    """A signed 64-bit hash of an IRI or agent key, for the B-tree indexes.

    IRIs have no length limit in xAPI, and a PostgreSQL B-tree entry must stay under about
    2.7 kB, so long values are indexed by this hash; queries match the hash and then the
    full value, so a collision can cost a row read but never a wrong answer.
    """
    digest = hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def identity_hash(*parts: str) -> str:
    """The hex SHA-256 of `parts`: a fixed-size unique key for values of any length.

    Unlike `lookup_hash` it is safe to put under a unique constraint: a collision would
    merge two documents, and SHA-256 makes that practically impossible.
    """
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()


class Scope(models.TextChoices):
    """xAPI 1.0.3 Communication §4.2 (OAuth scopes), applied to Basic clients too."""

    STATEMENTS_WRITE = "statements/write", _("Write statements")
    STATEMENTS_READ_MINE = "statements/read/mine", _("Read the statements it wrote")
    STATEMENTS_READ = "statements/read", _("Read statements")
    STATE = "state", _("Read and write state documents")
    DEFINE = "define", _("Define activities")
    PROFILE = "profile", _("Read and write profiles")
    ALL_READ = "all/read", _("Read everything")
    ALL = "all", _("Everything")


class LrsClient(models.Model):
    """A partner system (an LMS, a cmi5 player) that talks to the LRS with HTTP Basic.

    The key is the Basic user name; the secret is stored as a Django password hash and
    shown once, when the client is made.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="lrs_clients"
    )
    name = models.CharField(max_length=100)
    key = models.CharField(max_length=64, unique=True)
    secret_hash = models.CharField(max_length=256)
    scopes = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("LRS client")

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    def has_any_scope(self, *scopes: str) -> bool:
        return not set(scopes).isdisjoint(self.scopes)


class Statement(models.Model):
    """One stored xAPI statement: its JSON as it will be returned, plus index columns.

    Rows are never updated except `voided`, which a later voiding statement sets.
    """

    # Every index of this table starts with the organisation: no index of its own.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    client = models.ForeignKey(
        LrsClient, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    statement_id = models.UUIDField()
    payload = models.JSONField()
    verb_iri = models.TextField()
    verb_hash = models.BigIntegerField()
    actor_key = models.TextField(blank=True)
    actor_hash = models.BigIntegerField(null=True, blank=True)
    object_activity_iri = models.TextField(blank=True)
    object_statement_id = models.UUIDField(null=True, blank=True)
    registration = models.UUIDField(null=True, blank=True)
    timestamp = models.DateTimeField()
    stored = models.DateTimeField()
    voided = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "statement_id"], name="statement_unique_id_per_store"
            )
        ]
        # Each query parameter has an index that also yields stored order, so a page of
        # the newest matches is read straight off the index (bench/queries.py measures it).
        indexes = [
            models.Index(fields=["organisation", "stored", "id"], name="statement_store_order"),
            models.Index(
                fields=["organisation", "verb_hash", "stored", "id"], name="statement_verb_order"
            ),
            models.Index(
                fields=["organisation", "registration", "stored", "id"],
                name="statement_registration_order",
                condition=models.Q(registration__isnull=False),
            ),
            models.Index(
                fields=["organisation", "object_statement_id"],
                name="statement_ref",
                condition=models.Q(object_statement_id__isnull=False),
            ),
            # The StatementRefs that may sort onto a page (selectors._targeting_ids).
            models.Index(
                fields=["organisation", "stored", "id"],
                name="statement_ref_order",
                condition=models.Q(object_statement_id__isnull=False),
            ),
            models.Index(fields=["stored", "id"], name="statement_log_order"),
            models.Index(fields=["actor_hash", "id"], name="statement_actor"),
        ]

    def __str__(self) -> str:
        return str(self.statement_id)


class StatementAgent(models.Model):
    """Index row: an agent or identified group a statement mentions.

    `related_only` rows match only `related_agents=true` queries (authority, instructor,
    team, sub-statement agents); the others are the actor or the object agent.
    """

    # No database foreign keys on index rows (about six per statement): bulk.py writes them
    # in their statement's own transaction, and checking each row against its statement and
    # organisation cost PostgreSQL about 50 ms per 1,000 statements (bench-ingest's COPY
    # with and without the keys). Deletes still cascade, through the ORM.
    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="agent_rows", db_constraint=False
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    agent_key = models.TextField()
    agent_hash = models.BigIntegerField()
    related_only = models.BooleanField()
    # The statement's stored time, copied so that the index yields matches in stored order.
    stored = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "agent_hash", "stored", "statement", "related_only"],
                name="statement_agent_order",
            )
        ]

    def __str__(self) -> str:
        return self.agent_key


class StatementActivity(models.Model):
    """Index row: an activity a statement mentions (object, context activities, sub-statement)."""

    # No database foreign keys on index rows (about six per statement): bulk.py writes them
    # in their statement's own transaction, and checking each row against its statement and
    # organisation cost PostgreSQL about 50 ms per 1,000 statements (bench-ingest's COPY
    # with and without the keys). Deletes still cascade, through the ORM.
    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="activity_rows", db_constraint=False
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    activity_iri = models.TextField()
    activity_hash = models.BigIntegerField()
    related_only = models.BooleanField()
    stored = models.DateTimeField()  # as in StatementAgent

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "activity_hash", "stored", "statement", "related_only"],
                name="statement_activity_order",
            )
        ]

    def __str__(self) -> str:
        return self.activity_iri


class AttachmentContent(models.Model):
    """The raw data of statement attachments, stored once per tenant and SHA-2 hash.

    Statements refer to it by the `sha2` of their attachment objects (xAPI 1.0.3 Data
    §2.4.11); many statements may share one file. Retention and erasure delete data no
    statement names any more (learning_records/retention.py).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    sha2 = models.CharField(max_length=128)
    content_type = models.CharField(max_length=255)
    length = models.PositiveBigIntegerField()
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    # When a statement last came with this data: ingest sets it again on every repeat, so a
    # cleanup that read it before looking for users sees when someone came meanwhile.
    last_sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "sha2"], name="attachment_unique_per_store"
            )
        ]

    def __str__(self) -> str:
        return self.sha2


class Document(models.Model):
    """A document of the State, Activity Profile or Agent Profile resource (xAPI 1.0.3
    Communication §2.2): its bytes exactly as sent, with the Content-Type they came with.

    `identity` names one document (resource, activity, agent, registration, document id);
    `context_hash` finds a context's documents for the lists and DELETE of all states, and
    the queries then match the full values. `parsed` holds a JSON object document for
    merges (§2.2.s7); it is null for every other document.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        max_length=20, choices=[(r.value, r.value.replace("_", " ")) for r in DocumentResource]
    )
    identity = models.CharField(max_length=64)
    context_hash = models.BigIntegerField()
    activity_iri = models.TextField(blank=True)
    agent_key = models.TextField(blank=True)
    registration = models.UUIDField(null=True, blank=True)
    document_id = models.TextField()
    content = models.BinaryField()
    content_type = models.CharField(max_length=255)
    etag = models.CharField(max_length=40)
    parsed = models.JSONField(null=True, blank=True)
    updated = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "identity"], name="document_unique_per_store"
            )
        ]
        indexes = [
            models.Index(
                fields=["organisation", "context_hash", "registration", "updated"],
                name="document_context",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.document_id}"


class Activity(models.Model):
    """An Activity's canonical definition: the definitions that statements from clients
    with the define scope gave it, merged (xAPI 1.0.3 Communication §2.5, §4.2)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    identity = models.CharField(max_length=64)
    activity_iri = models.TextField()
    definition = models.JSONField(default=dict)
    updated = models.DateTimeField()

    class Meta:
        verbose_name_plural = _("activities")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "identity"], name="activity_unique_per_store"
            )
        ]

    def __str__(self) -> str:
        return self.activity_iri


class StatementRetention(models.Model):
    """How long an organisation's store keeps raw statements (docs/retention.md).

    Without a row, or with no days set, statements are kept for ever. The beat task
    `lrs.expire_statements` deletes those stored longer ago than this many days.
    """

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="statement_retention",
        verbose_name=_("organisation"),
    )
    statement_retention_days = models.PositiveIntegerField(
        _("keep statements for (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Statements stored longer ago than this are deleted every night. Progress already "
            "made from them stays. Empty: keep them for ever."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("statement retention")
        verbose_name_plural = _("statement retention")
        constraints = [
            # Zero days would delete statements before the progress projector has read them
            # (it reads those stored KIPINA_PROGRESS_SETTLE_SECONDS ago).
            models.CheckConstraint(
                condition=models.Q(statement_retention_days__gte=1),
                name="statement_retention_at_least_a_day",
            )
        ]

    def __str__(self) -> str:
        days = self.statement_retention_days
        return f"{self.organisation}: {'for ever' if days is None else f'{days} days'}"
