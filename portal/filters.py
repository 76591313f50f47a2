"""Filters shared by the API's list endpoints and the browser's list pages: one django-filter
FilterSet per list, so a filter is written once (NetBox's `SiteListView.filterset`)."""

from typing import Any

import django_filters
from django import forms
from django.db import models
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from django_filters.utils import get_model_field

from .forms import PortalFormMixin

#: How a record is named besides its id, where it has no `reference` or `number` field, by model
#: label: an organisation by its name or its CQC location ID.
_REFERENCE_FIELDS: dict[str, tuple[str, ...]] = {"portal.organisation": ("name", "cqc_location_id")}


def reference_lookups(model: type[models.Model] | None) -> tuple[str, ...]:
    """The fields that name a record of `model` as people and other systems know it: a contract's
    or order's `reference` (NCC-HWC-L2), an invoice's `number`, an organisation's name."""
    if model is None:
        return ()
    label = model._meta.label_lower
    if label in _REFERENCE_FIELDS:
        return _REFERENCE_FIELDS[label]
    names = {f.name for f in model._meta.get_fields()}
    return next(((n,) for n in ("reference", "number") if n in names), ())


def _reference_q(path: str, lookups: tuple[str, ...], value: str) -> models.Q:
    """Any of `lookups` (on the relation `path`, or on the record itself if "") equals `value`."""
    q = models.Q(pk__in=[])
    for lookup in lookups:
        q |= models.Q(**{f"{path}__{lookup}" if path else lookup: value})
    return q


class RecordFilter(django_filters.CharFilter):
    """A related record by id or by its reference (`contract=12` or `contract=NCC-HWC-L2`). An id
    or reference out of reach lists nothing, as an unknown one does: existence does not leak."""

    def filter(self, qs: Any, value: Any) -> Any:
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        text = str(value).strip()
        if text.isdigit():
            return qs.filter(**{self.field_name: int(text)})
        field = get_model_field(qs.model, self.field_name)
        lookups = reference_lookups(getattr(field, "related_model", None))
        if not lookups:
            return qs.none()
        return qs.filter(_reference_q(self.field_name, lookups, text))


def _by_reference(field_class: type[forms.ModelChoiceField]) -> type[forms.ModelChoiceField]:
    """`field_class` that also takes a record's reference: it becomes the record's id first."""

    class ByReference(field_class):  # type: ignore[valid-type,misc]
        def to_python(self, value: Any) -> Any:
            if isinstance(value, str) and value.strip() and not value.strip().isdigit():
                lookups = reference_lookups(self.queryset.model if self.queryset is not None else None)
                if lookups:
                    found = self.queryset.filter(_reference_q("", lookups, value.strip())).values_list(
                        "pk", flat=True
                    )[:1]
                    value = str(found[0]) if found else "0"
            return super().to_python(value)

    ByReference.__name__ = f"{field_class.__name__}ByReference"
    return ByReference


class PortalFilterSet(django_filters.FilterSet):
    """Filters on related records take the id as a number, not a choice among all rows, so an
    unknown id gives an empty list rather than an error that would reveal which ids exist. Each
    also takes the record's reference (`reference_lookups`): `contract=NCC-HWC-L2`,
    `order=ISO-0001`, `provider=Wensum Valley Care`, wherever a list filters by contract,
    provider or order, declared by the app or derived from the model.

    In the browser the filter form is GOV.UK-styled and every model choice it offers is scoped to
    the signed-in user (`portal.forms.PortalFormMixin`)."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.ForeignKey: {"filter_class": RecordFilter},
        models.OneToOneField: {"filter_class": RecordFilter},
        models.ManyToManyField: {"filter_class": RecordFilter},
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model = self._meta.model
        for name, declared in list(self.filters.items()):
            if type(declared) is django_filters.NumberFilter and declared.method is None:
                if declared.lookup_expr != "exact":
                    continue
                field = get_model_field(model, declared.field_name) if model else None
                if field is not None and field.is_relation and reference_lookups(field.related_model):
                    record = RecordFilter(field_name=declared.field_name, label=declared.label)
                    record.model, record.parent = declared.model, declared.parent
                    self.filters[name] = record
            elif issubclass(declared.field_class, forms.ModelChoiceField) and not issubclass(
                declared.field_class, forms.ModelMultipleChoiceField
            ):
                declared.field_class = _by_reference(declared.field_class)

    def get_form_class(self) -> type[PortalFormMixin]:
        form_class = super().get_form_class()
        return type(form_class.__name__, (PortalFormMixin, form_class), {})

    @property
    def form(self) -> PortalFormMixin:
        if not hasattr(self, "_form"):
            form_class = self.get_form_class()
            user = getattr(self.request, "user", None)
            data = self.data if self.is_bound else None
            self._form = form_class(data, prefix=self.form_prefix, user=user)
        return self._form
