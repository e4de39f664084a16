"""Serializer fields shared by the modules' APIs."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from rest_framework import relations, serializers


class ScopedFileField(serializers.FileField):
    """A stored file shown as the link of the view that checks who may read it
    (``view_name`` takes the record's pk), never as a media URL."""

    def __init__(self, *, view_name: str, **kwargs):
        self.view_name = view_name
        super().__init__(**kwargs)

    def to_representation(self, value):
        if not value:
            return None
        url = reverse(self.view_name, kwargs={"pk": value.instance.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class ScopedManyRelatedField(relations.ManyRelatedField):
    """A list of ids looked up in one query (a list may hold hundreds), in the
    order given; an id outside the scope is refused as a missing one."""

    default_error_messages = {
        "max_length": serializers.ListField.default_error_messages["max_length"]
    }

    def __init__(self, *args, max_length: int | None = None, **kwargs):
        self.max_length = max_length
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        if not self.allow_empty and len(data) == 0:
            self.fail("empty")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        child = self.child_relation
        queryset = child.get_queryset()
        pk = queryset.model._meta.pk
        keys = []
        for item in data:
            try:
                if isinstance(item, bool):
                    raise TypeError
                keys.append(pk.to_python(item))
            except (TypeError, ValueError, DjangoValidationError):
                child.fail("incorrect_type", data_type=type(item).__name__)
        # an id no 64-bit key can hold exists nowhere (and overflows SQLite)
        found = queryset.in_bulk({k for k in keys if not _out_of_range(k)})
        for item, key in zip(data, keys, strict=True):
            if key not in found:
                child.fail("does_not_exist", pk_value=item)
        return [found[key] for key in keys]


def _out_of_range(key) -> bool:
    return isinstance(key, int) and not -(2**63) <= key < 2**63


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """The id of an object the requesting user may see.

    The choices are ``queryset.for_user(user)``, or ``scope(user)`` for a model
    without ``for_user`` (users), so an id outside the user's scope is refused
    exactly like one that does not exist: a 400 naming the field. Services keep
    their own checks; this one stops a foreign id at the door."""

    def __init__(self, *, scope=None, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    @classmethod
    def many_init(cls, *args, max_length: int | None = None, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs), "max_length": max_length}
        list_kwargs.update(
            (key, value)
            for key, value in kwargs.items()
            if key in relations.MANY_RELATION_KWARGS
        )
        return ScopedManyRelatedField(**list_kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if self.scope is not None:
            return self.scope(user)
        return super().get_queryset().for_user(user)
