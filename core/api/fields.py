"""Serializer fields shared by the modules' APIs."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers


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
