"""How long parse_statements takes for one batch of 10,000 realistic statements (~1 KB each).

Run: .venv/bin/python bench/xapi_validate.py [--count N] [--repeat R]

The statements mimic what the partner LMSs send (Moodle logstore_xapi, Open edX, cmi5): an
account actor, a verb with display, an activity with a definition, a scored result, a context
with registration, three kinds of context activities (some as single objects) and extensions.
The time includes the JSON-level pre-pass, validation and normalisation, not JSON parsing.
"""

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from learning_records.xapi.validate import parse_statements
from learning_records.xapi.versions import XapiVersion

VERBS = ("completed", "attempted", "answered", "experienced", "passed", "failed", "progressed")


def realistic_statement(rng: random.Random) -> dict[str, Any]:
    course = f"https://lms.example.fi/course/view.php?id={rng.randint(1, 400)}"
    module = f"https://lms.example.fi/mod/quiz/view.php?id={rng.randint(1, 90_000)}"
    verb = rng.choice(VERBS)
    parent: Any = {"id": course, "objectType": "Activity"}
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "actor": {
            "objectType": "Agent",
            "name": f"Learner {rng.randint(1, 50_000)}",
            "account": {"homePage": "https://lms.example.fi", "name": str(rng.randint(1, 50_000))},
        },
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en": verb}},
        "object": {
            "objectType": "Activity",
            "id": module,
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/assessment",
                "name": {"en": "Cell chemistry quiz", "fi": "Kennokemian tentti"},
                "description": {"en": "Ten questions on lithium-ion cells"},
            },
        },
        "result": {
            "score": {"scaled": 0.7, "raw": 7, "min": 0, "max": 10},
            "success": rng.random() < 0.8,
            "completion": True,
            "duration": f"PT{rng.randint(1, 59)}M{rng.randint(0, 59)}.{rng.randint(0, 99)}S",
        },
        "context": {
            "registration": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "platform": "Moodle",
            "language": "fi-FI",
            "contextActivities": {
                # Half send a single object, which parse_statements turns into an array.
                "parent": [parent] if rng.random() < 0.5 else parent,
                "grouping": [
                    {
                        "id": "https://lms.example.fi",
                        "definition": {"type": "http://id.tincanapi.com/activitytype/lms"},
                    }
                ],
                "category": [{"id": "http://moodle.org", "objectType": "Activity"}],
            },
            "extensions": {
                "http://lrs.learninglocker.net/define/extensions/info": {
                    "event_name": "\\mod_quiz\\event\\attempt_submitted",
                },
                "http://id.tincanapi.com/extension/ip-address": "10.0.0.1",
            },
        },
        "timestamp": f"2024-05-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:15:00.123+03:00",
    }


SEED = 20_240_504


def statement_batch(count: int, seed: int = SEED) -> list[dict[str, Any]]:
    """`count` realistic statements; the same seed gives the same statements, ids included."""
    rng = random.Random(seed)
    return [realistic_statement(rng) for _ in range(count)]


def mean_statement_bytes(batch: list[dict[str, Any]]) -> float:
    return statistics.mean(len(json.dumps(statement)) for statement in batch)


def validation_timings(batch: list[dict[str, Any]], repeat: int) -> list[float]:
    """Seconds parse_statements takes for the whole batch, once per repeat."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        parse_statements(batch, version=XapiVersion.V1_0_3)
        timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    batch = statement_batch(options.count)
    size = mean_statement_bytes(batch)
    timings = validation_timings(batch, options.repeat)
    print(
        f"{options.count} statements, {size:.0f} bytes each on average: "
        f"best {min(timings):.3f} s, median {statistics.median(timings):.3f} s "
        f"over {options.repeat} runs"
    )


if __name__ == "__main__":
    main()
