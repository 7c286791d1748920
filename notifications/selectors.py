from collections import defaultdict
from collections.abc import Iterable

from notifications.models import TopicOptOut


def opted_out_topics(person_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """The topics each of these people opted out of (people with none are left out)."""
    topics: dict[int, set[str]] = defaultdict(set)
    for person_id, topic in TopicOptOut.objects.filter(person_id__in=list(person_ids)).values_list(
        "person_id", "topic"
    ):
        topics[person_id].add(topic)
    return {person_id: frozenset(found) for person_id, found in topics.items()}
