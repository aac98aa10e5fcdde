"""One error body for every refusal of the API: ``{"detail": [{"field", "message"}]}``."""

from __future__ import annotations

from django.http import JsonResponse


def error_body(message: str, field: str | None = None) -> dict:
    return {"detail": [{"field": field, "message": str(message)}]}


def error_response(status: int, message: str, field: str | None = None, **headers) -> JsonResponse:
    response = JsonResponse(error_body(message, field), status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def from_validation_error(exc) -> list[dict]:
    """A Django ValidationError as a list of {field, message} (``None``: the whole request)."""
    if hasattr(exc, "error_dict"):
        return [
            {"field": None if name == "__all__" else name, "message": str(message)}
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": None, "message": str(m)} for m in exc.messages]
