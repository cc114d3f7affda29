"""What the API modules of every app describe the same way: path parameters (for the OpenAPI
schema), absolute links and people's names in the output."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


def path_parameter(name: str, description: str, kind: Any = OpenApiTypes.INT) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.PATH, description=description)


def absolute(serializer: serializers.Serializer, path: str) -> str:
    """The path as an absolute URL of the request being answered (as is without one)."""
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


def name_of(user: Any) -> str | None:
    """A person as the API names them (their public name), or None."""
    return str(user) if user is not None else None
