"""Pure: did a rule help? Nudged versus held-out decisions, with honest intervals.

Rows in (counts per arm, from selectors.decision_outcomes), numbers and plain sentences out.
No Django, no clock. The comparison is intention-to-treat: a decision counts in the arm its
holdout draw put it in, whether or not the nudge was finally delivered (quiet hours, caps or
an opt-out at delivery time do not move it), because only the draw is random.

Methods, each cited where it is written:
- a proportion's 95% interval: Wilson's score interval (Wilson 1927);
- a difference of proportions: Newcombe's hybrid score interval (Newcombe 1998, method 10);
- the smallest uplift the groups could have detected: the normal-approximation power
  equation for two proportions (Fleiss, Levin & Paik 2003, ch. 4), solved for the effect.
"""

import datetime as dt
import math
from dataclasses import dataclass, replace
from statistics import NormalDist

# The outcomes, each observed from the decision's time for this long:
# - "came back": any evidence of study by the learner on the enrolment (engagement.progress
#   Evidence, timed by the statement's own timestamp), the nudge's direct aim;
# - "next milestone": a milestone of the enrolment still open at the decision completed
#   (MilestoneProgress.completed_at), the aim behind it. Decisions on enrolments with no
#   open milestone at the time are left out of this one (nothing left to complete).
CAME_BACK_WITHIN = dt.timedelta(hours=72)
MILESTONE_WITHIN = dt.timedelta(days=14)

ALPHA = 0.05
POWER = 0.80
_NORMAL = NormalDist()
# Two-sided 95%: Φ⁻¹(0.975) = 1.959964...; 80% power: Φ⁻¹(0.80) = 0.841621...
Z_ALPHA = _NORMAL.inv_cdf(1 - ALPHA / 2)
Z_POWER = _NORMAL.inv_cdf(POWER)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def wilson_interval(successes: int, n: int, z: float = Z_ALPHA) -> Interval | None:
    """Wilson's score interval for successes/n (None for n = 0).

    E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
    JASA 22 (1927) 209-212; Newcombe (1998a, method 3): the roots in p of
    |p̂ - p| = z·sqrt(p(1 - p)/n), i.e.
    (p̂ + z²/2n ± z·sqrt(p̂(1 - p̂)/n + z²/4n²)) / (1 + z²/n).
    """
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be from 0 to n ({n}), not {successes}")
    p = successes / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    denominator = 1 + z2 / n
    # At p̂ = 0 or 1 the closed form gives the bound exactly in theory; clamp rounding.
    return Interval(
        max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator)
    )


def newcombe_interval(
    successes_1: int, n_1: int, successes_2: int, n_2: int, z: float = Z_ALPHA
) -> Interval | None:
    """Newcombe's hybrid score interval for p1 - p2 (None when a group is empty).

    R. G. Newcombe, "Interval estimation for the difference between independent proportions:
    comparison of eleven methods", Statistics in Medicine 17 (1998) 873-890, method 10: with
    Wilson intervals (l1, u1) and (l2, u2) and d = p̂1 - p̂2,
    low = d - sqrt((p̂1 - l1)² + (u2 - p̂2)²), high = d + sqrt((u1 - p̂1)² + (p̂2 - l2)²).
    """
    first, second = wilson_interval(successes_1, n_1, z), wilson_interval(successes_2, n_2, z)
    if first is None or second is None:
        return None
    p1, p2 = successes_1 / n_1, successes_2 / n_2
    d = p1 - p2
    low = d - math.hypot(p1 - first.low, second.high - p2)
    high = d + math.hypot(first.high - p1, p2 - second.low)
    return Interval(low, high)


def detection_power(effect: float, base_rate: float, n_treated: int, n_control: int) -> float:
    """The power of a two-sided test at ALPHA to detect p_treated = base_rate + effect.

    Normal approximation without continuity correction (Fleiss, Levin & Paik, Statistical
    Methods for Rates and Proportions, 3rd ed., Wiley 2003, ch. 4; unequal groups as in
    Fleiss, Tytun & Ury, Biometrics 36 (1980) 343-346):
    power = Φ((|δ| - z_{1-α/2}·sqrt(p̄q̄(1/n1 + 1/n2))) / sqrt(p1q1/n1 + p2q2/n2)),
    where p̄ is the size-weighted mean of p1 and p2.
    """
    p1, p2 = base_rate + effect, base_rate
    pooled = (n_treated * p1 + n_control * p2) / (n_treated + n_control)
    null_sd = math.sqrt(pooled * (1 - pooled) * (1 / n_treated + 1 / n_control))
    alternative_sd = math.sqrt(p1 * (1 - p1) / n_treated + p2 * (1 - p2) / n_control)
    if alternative_sd == 0:
        return 1.0 if abs(effect) > Z_ALPHA * null_sd else 0.0
    return _NORMAL.cdf((abs(effect) - Z_ALPHA * null_sd) / alternative_sd)


def minimum_detectable_effect(base_rate: float, n_treated: int, n_control: int) -> float | None:
    """The smallest uplift over `base_rate` detected with POWER at two-sided ALPHA by groups
    of these sizes (the power equation above solved for δ by bisection: power grows with δ
    on (0, 1 - base_rate]). None when no possible uplift would have been detected."""
    if n_treated <= 0 or n_control <= 0 or not 0 <= base_rate <= 1:
        return None
    ceiling = 1 - base_rate
    if ceiling <= 0 or detection_power(ceiling, base_rate, n_treated, n_control) < POWER:
        return None
    low, high = 0.0, ceiling
    for _ in range(60):  # 2⁻⁶⁰ of the range: far below the 4 decimals shown
        middle = (low + high) / 2
        if detection_power(middle, base_rate, n_treated, n_control) >= POWER:
            high = middle
        else:
            low = middle
    return high


# --- The comparison of one outcome ------------------------------------------------------------


@dataclass(frozen=True)
class Arm:
    """Decisions of one arm whose observation window has passed, and how many succeeded."""

    n: int = 0
    successes: int = 0

    def __add__(self, other: "Arm") -> "Arm":
        return Arm(self.n + other.n, self.successes + other.successes)

    @property
    def rate(self) -> float | None:
        return self.successes / self.n if self.n else None

    @property
    def interval(self) -> Interval | None:
        return wilson_interval(self.successes, self.n)


@dataclass(frozen=True)
class Comparison:
    outcome: str  # e.g. "came back within 72 hours"
    nudged: Arm
    held_out_rule: Arm
    held_out_global: Arm
    pending: int  # decisions whose window has not passed yet (left out of both arms)

    @property
    def held_out(self) -> Arm:
        """Global holdout decisions are held out too: neither group was nudged."""
        return self.held_out_rule + self.held_out_global

    @property
    def difference(self) -> float | None:
        nudged, held = self.nudged.rate, self.held_out.rate
        return None if nudged is None or held is None else nudged - held

    @property
    def interval(self) -> Interval | None:
        held = self.held_out
        return newcombe_interval(self.nudged.successes, self.nudged.n, held.successes, held.n)

    @property
    def minimum_detectable_effect(self) -> float | None:
        base_rate = self.held_out.rate
        if base_rate is None:
            return None
        return minimum_detectable_effect(base_rate, self.nudged.n, self.held_out.n)

    @property
    def conclusive(self) -> bool:
        interval = self.interval
        return interval is not None and interval.excludes_zero()

    def statement(self) -> str:
        """What the numbers say, in a sentence or two an administrator can act on."""
        nudged, held = self.nudged, self.held_out
        if nudged.n == 0 or held.n == 0:
            missing = "" if nudged.n == held.n else "nudged " if nudged.n == 0 else "held-out "
            return (
                f"Not measurable yet: no {missing}decisions whose window has passed "
                f"({nudged.n} nudged, {held.n} held out, {self.pending} still within it)."
            )
        interval = self.interval
        if interval is None:  # unreachable: both arms have decisions
            return ""
        rates = (
            f"{_percent(nudged.rate)} of nudged {self.outcome} against {_percent(held.rate)} of "
            f"held out ({nudged.n} and {held.n} decisions): a difference of "
            f"{_points(self.difference)} (95% CI {_points(interval.low)} to "
            f"{_points(interval.high)})."
        )
        if interval.excludes_zero():
            return rates
        mde = self.minimum_detectable_effect
        if mde is None:
            limit = "groups this small could not have detected any possible uplift"
        else:
            limit = (
                f"groups of these sizes could only have detected an uplift of at least "
                f"{_points(mde, signed=False)} over the held-out rate (80% power, two-sided "
                f"α = 0.05)"
            )
        return f"{rates} No effect is shown: {limit}."


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.1f}%"


def _points(value: float | None, *, signed: bool = True) -> str:
    if value is None:
        return "—"
    return f"{100 * value:+.1f} points" if signed else f"{100 * value:.1f} points"


# --- A rule's report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ArmRow:
    """What the selector counts for one version of a rule and one holdout arm."""

    version_id: int
    version_number: int
    holdout: str  # "" (nudged), "rule" or "global"
    decisions: int
    people: int
    came_back: Arm
    came_back_pending: int
    next_milestone: Arm
    next_milestone_pending: int
    no_open_milestone: int  # left out of next_milestone: nothing was left to complete


@dataclass(frozen=True)
class Effect:
    """One version of a rule (or all versions pooled: version_number None)."""

    version_id: int | None
    version_number: int | None
    decisions: dict[str, int]  # per arm: nudged, held_out_rule, held_out_global
    people: dict[str, int]
    came_back: Comparison
    next_milestone: Comparison


ARMS = {"": "nudged", "rule": "held_out_rule", "global": "held_out_global"}


def rule_effects(rows: list[ArmRow], people: dict[str, int]) -> list[Effect]:
    """One Effect per version (in version order), then all versions pooled, with `people`
    the distinct people per holdout arm over all versions. A person's holdout draw does not
    depend on the version, so pooling keeps the arms comparable."""
    versions: dict[int, list[ArmRow]] = {}
    for row in sorted(rows, key=lambda r: r.version_number):
        versions.setdefault(row.version_id, []).append(row)
    effects = [
        _effect(group, group[0].version_id, group[0].version_number) for group in versions.values()
    ]
    pooled = _effect(rows, None, None)
    everyone = {name: people.get(holdout, 0) for holdout, name in ARMS.items()}
    return [*effects, replace(pooled, people=everyone)]


def _effect(rows: list[ArmRow], version_id: int | None, number: int | None) -> Effect:
    def arm(holdout: str, outcome: str) -> Arm:
        found = [getattr(r, outcome) for r in rows if r.holdout == holdout]
        return sum(found, Arm())

    def pending(outcome: str) -> int:
        return sum(getattr(r, f"{outcome}_pending") for r in rows)

    def compare(outcome: str, label: str) -> Comparison:
        return Comparison(
            label, arm("", outcome), arm("rule", outcome), arm("global", outcome), pending(outcome)
        )

    return Effect(
        version_id=version_id,
        version_number=number,
        decisions={n: sum(r.decisions for r in rows if r.holdout == h) for h, n in ARMS.items()},
        people={n: sum(r.people for r in rows if r.holdout == h) for h, n in ARMS.items()},
        came_back=compare("came_back", "came back within 72 hours"),
        next_milestone=compare("next_milestone", "completed a milestone within 14 days"),
    )


METHOD = (
    "Intention-to-treat comparison of each rule's decisions: nudged (holdout '') against held "
    "out (the rule's holdout and the global holdout, also shown apart). Outcomes: came back = "
    "any evidence of study on the enrolment within 72 hours after the decision (progress "
    "Evidence, by the statement's timestamp); next milestone = a milestone still open at the "
    "decision completed within 14 days (decisions with no open milestone are left out). Only "
    "decisions whose window has passed count; the rest are pending. Rates have Wilson score "
    "95% intervals (Wilson 1927); differences have Newcombe's hybrid score 95% interval "
    "(Newcombe, Stat Med 1998;17:873-890, method 10). When the interval includes zero, the "
    "minimum detectable effect is the smallest uplift over the held-out rate these group sizes "
    "detect with 80% power at two-sided alpha 0.05 (normal approximation, Fleiss, Levin & Paik "
    "2003, ch. 4). Units are decisions: a person with several decisions counts several times."
)
