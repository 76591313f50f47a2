"""Every API error is a JSON body with a `detail`; validation errors name their fields."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


def portal_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(data, list):
            data = {"detail": "The request is not valid.", "errors": {"non_field_errors": data}}
        elif isinstance(data, dict) and "detail" not in data:
            data = {"detail": "The request is not valid.", "errors": data}
    elif not isinstance(data, dict):
        data = {"detail": data}
    elif "detail" not in data:
        data = {"detail": next(iter(data.values()), "Not found."), "errors": data}
    response.data = data
    return response
