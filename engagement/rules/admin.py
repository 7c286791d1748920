"""Admin screens of the rules. A rule's definition is edited as JSON, checked by the same
schema as the API, and saved through the services (rule_create, rule_edit): a version is
never written here. Decisions, study plans and the event cursor are read-only."""

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from backend.admin import ReadOnlyAdmin
from engagement.network.models import Organisation
from engagement.rules import effectiveness, selectors, services
from engagement.rules.definitions import DefinitionError
from engagement.rules.effectiveness import Arm, Comparison
from engagement.rules.models import Decision, EventCursor, Rule, RuleVersion, StudyPlan
from engagement.rules.previews import rule_preview_report
from engagement.rules.reasons import reasons_text
from engagement.rules.serializers import DEFINITION_HELP

# Rules previewed at once by the changelist action: each evaluates up to PREVIEW_LIMIT people.
PREVIEW_AT_ONCE = 5


# --- Rules ------------------------------------------------------------------------------------


class RuleForm(forms.ModelForm[Rule]):
    definition = forms.JSONField(
        label=_("definition"),
        help_text=DEFINITION_HELP,
        # No style attribute: the Content-Security-Policy refuses inline styles.
        widget=forms.Textarea(attrs={"rows": 10, "cols": 90}),
    )

    class Meta:
        model = Rule
        fields = ["name", "scope", "provider", "pathway", "cohort", "enabled", "holdout_share"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        version = self.instance.current_version if self.instance.pk else None
        if version is not None:
            self.fields["definition"].initial = version.definition

    def clean_definition(self) -> Any:
        document = self.cleaned_data["definition"]
        try:
            services.rule_definition_check(
                rule=self.instance if self.instance.pk else None, definition=document
            )
        except DefinitionError as refused:
            raise forms.ValidationError(refused.errors) from None
        return document

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        scope = cleaned.get("scope")
        if "scope" not in self.fields or not scope:
            return cleaned  # fixed after creation (shown read-only)
        provider = cleaned.get("provider")
        if provider is not None and provider.kind not in Organisation.PROVIDER_KINDS:
            self.add_error("provider", _("%(o)s is not an education provider.") % {"o": provider})
        for target in ("provider", "pathway", "cohort"):
            given = cleaned.get(target) is not None
            if target == scope and not given:
                self.add_error(target, _("A rule of scope %(s)s needs its %(s)s.") % {"s": scope})
            elif target != scope and given:
                self.add_error(
                    target, _("A rule of scope %(s)s takes no %(t)s.") % {"s": scope, "t": target}
                )
        return cleaned


class RuleVersionInline(admin.TabularInline[RuleVersion, Any]):
    model = RuleVersion
    extra = 0
    can_delete = False
    ordering = ["-number"]
    fields = ["number", "kind", "pretty_definition", "created_by", "created_at"]
    readonly_fields = ["number", "kind", "pretty_definition", "created_by", "created_at"]
    verbose_name_plural = _("versions (an edit of the definition makes a new one)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("definition"))
    def pretty_definition(self, version: RuleVersion) -> str:
        return format_html("<pre>{}</pre>", json.dumps(version.definition, indent=2))


class ErrorDisabledFilter(admin.SimpleListFilter):
    title = _("switched off after an error")
    parameter_name = "error"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", str(_("Yes"))), ("no", str(_("No")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.exclude(disabled_reason="")
        if self.value() == "no":
            return queryset.filter(disabled_reason="")
        return queryset


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin[Rule]):
    form = RuleForm
    list_display = ["name", "kind", "version", "scope", "holdout_share", "state", "created_at"]
    list_filter = ["enabled", ErrorDisabledFilter, "scope", "current_version__kind"]
    search_fields = ["name", "disabled_reason"]
    list_select_related = ["current_version"]
    autocomplete_fields = ["provider", "pathway"]
    raw_id_fields = ["cohort"]
    inlines = [RuleVersionInline]
    actions = ["preview", "switch_on", "switch_off"]

    def get_fields(self, request: HttpRequest, obj: Rule | None = None) -> Any:
        if obj is None:
            return [*RuleForm.Meta.fields, "definition"]
        return [
            "name", "reports", "disabled_reason", "scope", "provider", "pathway", "cohort",
            "enabled", "holdout_share", "definition",
        ]  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj: Rule | None = None) -> Any:
        if obj is None:
            return []
        return ["reports", "disabled_reason", "scope", "provider", "pathway", "cohort"]

    @admin.display(description=_("kind"), ordering="current_version__kind")
    def kind(self, rule: Rule) -> str:
        return rule.current_version.kind if rule.current_version else "—"

    @admin.display(description=_("version"))
    def version(self, rule: Rule) -> int | None:
        return rule.current_version.number if rule.current_version else None

    @admin.display(description=_("state"), ordering="enabled")
    def state(self, rule: Rule) -> str:
        if rule.enabled:
            return str(_("on"))
        if rule.disabled_reason:
            return format_html(
                "<strong>{}</strong> {}",
                _("OFF after an error:"),
                rule.disabled_reason,
            )
        return str(_("off"))

    @admin.display(description=_("reports"))
    def reports(self, rule: Rule) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:rules_rule_preview", args=[rule.pk]),
            _("Preview: whom it would act on now"),
            reverse("admin:rules_rule_effectiveness", args=[rule.pk]),
            _("Effectiveness: nudged against held out"),
        )

    def save_model(self, request: HttpRequest, obj: Rule, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.rule_edit(
                rule=Rule.objects.get(pk=obj.pk),
                name=data["name"],
                enabled=data["enabled"],
                holdout_share=data["holdout_share"],
                definition=data["definition"],
                user=request.user,
            )
            return
        created = services.rule_create(**data, user=request.user)
        # The admin's log entry and redirect read the id of the object it built.
        obj.pk = created.pk

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        rule = self.get_object(request, unquote(object_id))
        if request.method == "GET" and rule is not None and rule.disabled_reason:
            messages.error(
                request,
                _("This rule was switched off after an error: %(reason)s. Fix the definition "
                  "and switch it on again.") % {"reason": rule.disabled_reason},
            )  # fmt: skip
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        failed = Rule.objects.exclude(disabled_reason="").filter(enabled=False).count()
        if request.method == "GET" and failed:
            messages.warning(
                request,
                ngettext(
                    "%(n)d rule is switched off after an error: see its state.",
                    "%(n)d rules are switched off after an error: see their state.",
                    failed,
                )
                % {"n": failed},
            )
        return super().changelist_view(request, extra_context)

    # --- Actions and reports ---

    @admin.action(description=_("Preview: whom the selected rules would act on now"))
    def preview(self, request: HttpRequest, queryset: QuerySet[Rule]) -> TemplateResponse:
        rules = list(queryset.order_by("name", "id")[:PREVIEW_AT_ONCE])
        return self._preview_page(request, rules, queryset.count())

    @admin.action(description=_("Switch the selected rules on"))
    def switch_on(self, request: HttpRequest, queryset: QuerySet[Rule]) -> None:
        self._switch(request, queryset, enabled=True)

    @admin.action(description=_("Switch the selected rules off"))
    def switch_off(self, request: HttpRequest, queryset: QuerySet[Rule]) -> None:
        self._switch(request, queryset, enabled=False)

    def _switch(self, request: HttpRequest, queryset: QuerySet[Rule], *, enabled: bool) -> None:
        for rule in queryset:
            services.rule_set_enabled(rule=rule, enabled=enabled)
        count = queryset.count()
        self.message_user(request, ngettext("%d rule changed.", "%d rules changed.", count) % count)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/preview/", view(self.preview_view), name="rules_rule_preview"),
            path(
                "<path:object_id>/effectiveness/",
                view(self.effectiveness_view),
                name="rules_rule_effectiveness",
            ),
            *super().get_urls(),
        ]

    def _rule(self, request: HttpRequest, object_id: str) -> Rule:
        rule = self.get_object(request, unquote(object_id))
        if rule is None:
            raise Http404(_("No such rule."))
        if not self.has_view_permission(request, rule):
            raise PermissionDenied
        return rule

    def preview_view(self, request: HttpRequest, object_id: str) -> TemplateResponse:
        return self._preview_page(request, [self._rule(request, object_id)], 1)

    def _preview_page(self, request: HttpRequest, rules: list[Rule], selected: int) -> Any:
        now = timezone.now()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Preview"),
            "previews": [(rule, rule_preview_report(rule=rule, now=now)) for rule in rules],
            "left_unshown": max(0, selected - len(rules)),
        }
        return TemplateResponse(request, "admin/rules/rule/preview.html", context)

    def effectiveness_view(self, request: HttpRequest, object_id: str) -> TemplateResponse:
        rule, now = self._rule(request, object_id), timezone.now()
        effects = effectiveness.rule_effects(*selectors.decision_outcomes(rule_id=rule.pk, now=now))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Effectiveness of %(rule)s") % {"rule": rule},
            "rule": rule,
            "as_of": now,
            "method": effectiveness.METHOD,
            "effects": [
                (effect, [_table(effect.came_back), _table(effect.next_milestone)])
                for effect in effects
            ],
        }
        return TemplateResponse(request, "admin/rules/rule/effectiveness.html", context)


def _table(comparison: Comparison) -> dict[str, Any]:
    """One outcome's rows, formatted for the page."""
    arms = [
        (_("Nudged"), comparison.nudged),
        (_("Held out by the rule"), comparison.held_out_rule),
        (_("Held out globally"), comparison.held_out_global),
        (_("Held out, together"), comparison.held_out),
    ]
    return {
        "outcome": comparison.outcome,
        "rows": [(label, arm.n, arm.successes, _rate(arm)) for label, arm in arms],
        "pending": comparison.pending,
        "statement": comparison.statement(),
    }


def _rate(arm: Arm) -> str:
    interval = arm.interval
    if arm.rate is None or interval is None:
        return "—"
    return f"{100 * arm.rate:.1f}% ({100 * interval.low:.1f}–{100 * interval.high:.1f}%)"


# --- Decisions and the rest (read-only) -----------------------------------------------------

WINDOW_KINDS = [
    ("inactive-since:", _("inactive (spell since)")),
    ("pace:", _("behind pace (week)")),
    ("due:", _("milestone due (milestone)")),
    ("first-steps:", _("first steps (day)")),
    ("goal:", _("study goal at risk (week)")),
    ("red:", _("teacher alert (week)")),
    ("summary:", _("employer summary (week)")),
    ("milestone:", _("milestone completed")),
    ("pathway", _("pathway completed")),
]


class WindowKindFilter(admin.SimpleListFilter):
    """The dedup window's kind (its prefix); the window itself is searchable."""

    title = _("window")
    parameter_name = "window"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return WINDOW_KINDS

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(window__startswith=value) if value else queryset


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = [
        "decided_at", "rule", "version_number", "person", "enrolment", "window", "holdout",
        "reason_text",
    ]  # fmt: skip
    list_filter = ["rule", "holdout", WindowKindFilter, "version__kind"]
    search_fields = ["window", "person__family_name", "person__email", "rule__name"]
    date_hierarchy = "decided_at"
    list_select_related = [
        "rule", "version", "person", "enrolment__learner", "enrolment__pathway",
    ]  # fmt: skip

    @admin.display(description=_("version"))
    def version_number(self, decision: Decision) -> int:
        return decision.version.number

    @admin.display(description=_("reasons"))
    def reason_text(self, decision: Decision) -> str:
        return "; ".join(reasons_text(decision.reasons))


@admin.register(StudyPlan)
class StudyPlanAdmin(ReadOnlyAdmin):
    """The learner's own commitment: they set it (PUT /api/rules/study-plan/)."""

    list_display = ["person", "days_per_week", "hours_per_week", "preferred_times", "updated_at"]
    search_fields = ["person__family_name", "person__email"]
    list_select_related = ["person"]


@admin.register(EventCursor)
class EventCursorAdmin(ReadOnlyAdmin):
    list_display = ["name", "last_event_id", "updated_at"]
