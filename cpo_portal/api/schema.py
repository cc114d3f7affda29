"""The OpenAPI schema documents the error answers every view can give, not only the happy path.

DRF answers from its own layers before a view runs: authentication (401), permissions (403),
lookups and pagination (404), validation and domain errors (400), throttling (429). A client
generated from the schema, and the schema-driven fuzzing in the tests, must find each of them
documented with the body DRF really sends.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# Field errors ({"field": ["message"]}), a domain error ({"detail": ...}) or both.
FIELD_ERRORS = {"type": "object", "additionalProperties": {}}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _error(description: Any, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


class PortalAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, response in self._error_responses().items():
            responses.setdefault(code, response)
        return responses

    def _error_responses(self) -> dict[str, dict[str, Any]]:
        errors: dict[str, dict[str, Any]] = {}
        has_query = bool(
            self._get_filter_parameters()
            or self._get_pagination_parameters()
            or self.get_override_parameters()
        )
        if self.method in UNSAFE or has_query:
            errors["400"] = _error(_("Invalid input"), FIELD_ERRORS)
        if self.view.get_authenticators():
            # A wrong or revoked token is refused even where no sign-in is needed.
            errors["401"] = _error(_("Not authenticated"), DETAIL)
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            errors["403"] = _error(_("Not allowed"), DETAIL)
        # Role permissions that hide an area from everyone else answer 404 (never 403).
        hides = any(getattr(p, "answers_404", False) for p in self.view.get_permissions())
        if self._has_path_parameters() or self._get_pagination_parameters() or hides:
            errors["404"] = _error(_("Not found"), DETAIL)
        if self.view.get_throttles():
            errors["429"] = _error(_("Too many requests"), DETAIL)
        return errors

    def _has_path_parameters(self) -> bool:
        return "{" in self.path
