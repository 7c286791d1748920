"""Serializer fields the rooms' APIs share."""

from typing import Any

from rest_framework import serializers


class SlugLookupField(serializers.SlugRelatedField[Any]):
    """DRF's SlugRelatedField, answering a value with a NUL character as not found before it
    looks: PostgreSQL refuses a NUL in a query with an error (a 500), and DRF checks for it
    only in its CharField. (A lone surrogate fails to encode, which DRF already answers.)"""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().to_internal_value(data)
