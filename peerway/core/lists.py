"""Operational lists, built the same way everywhere (docs/service.md, "Lists").

A list page is a scoped queryset (always from the app's selector: this module never widens
what a user may see), a ``django-filter`` FilterSet whose values live in the address (so a
filtered, sorted page can be bookmarked and shared with someone who may see the same), a
``django-tables2`` Table rendered with the project's accessible template
(``peerway/table.html``), and, where useful, the same rows as a CSV download:

- ``?format=csv`` answers the filtered, sorted rows (every page) as CSV; each cell that a
  spreadsheet would run as a formula is prefixed, as in every other export; the download is
  an audit event (``<app>.<list>_exported``) with the row count and the names of the filters
  used, never their free-text values (a typed name stays out of the audit trail).

Tables declare ``select_related``/``prefetch_related`` in their selector so the number of
queries does not grow with the rows (tests/support/test_lists.py counts them).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

import django_filters
import django_tables2 as tables
from django import forms
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from peerway.assessments.analysis.export import safe_text

from . import audit

PER_PAGE = 25
TEMPLATE = "peerway/table.html"
# Filter fields whose typed text is never written to the audit trail.
PRIVATE_FILTERS = frozenset({"q"})


class ListTable(tables.Table):
    """Base table: the project template, a caption, an empty text."""

    caption = ""

    class Meta:
        template_name = TEMPLATE
        attrs = {"class": "table table-sm align-middle"}
        empty_text = _("Nothing matches.")

    def __init__(self, *args, caption: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if caption:
            self.caption = caption


class ListFilterSet(django_filters.FilterSet):
    """A FilterSet whose form looks like the rest of the site (Bootstrap classes) and that
    knows the request (for filters that depend on what the user may see)."""

    def __init__(self, data=None, *args, request=None, **kwargs):
        super().__init__(data, *args, request=request, **kwargs)
        for f in self.filters.values():
            if isinstance(f, django_filters.ChoiceFilter | django_filters.ModelChoiceFilter):
                # django-filter's empty choice reads "---------"; say what it means.
                f.extra.setdefault("empty_label", _("Any"))
        for field in self.form.fields.values():
            if isinstance(field, forms.ModelChoiceField) and str(field.empty_label).startswith("-"):
                # A model choice built before the default above applied.
                field.empty_label = _("Any")
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.NullBooleanSelect):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


def wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


def build(request, table: ListTable, *, per_page: int = PER_PAGE) -> ListTable:
    """Apply the sort and page of the address to ``table`` (paging off for CSV)."""
    paginate = False if wants_csv(request) else {"per_page": per_page}
    tables.RequestConfig(request, paginate=paginate).configure(table)
    return table


def filters_used(request, filterset=None) -> list[str]:
    """Names of the filters in use (for the audit trail): values are left out."""
    names = filterset.form.fields.keys() if filterset is not None else request.GET.keys()
    return sorted(n for n in names if request.GET.get(n) not in (None, ""))


def csv_values(table: ListTable) -> list[list[str]]:
    """The table's rows as formula-safe CSV cells, header first."""
    return [[safe_text(v) for v in row] for row in table.as_values()]


def csv_response(
    request,
    table: ListTable,
    *,
    filename: str,
    action: str,
    obj,
    filterset=None,
    details: dict | None = None,
) -> HttpResponse:
    """The whole filtered, sorted list as a CSV download, recorded in the audit trail."""
    rows = csv_values(table)
    audit.record(
        actor=request.user,
        action=action,
        obj=obj,
        details={
            "rows": len(rows) - 1,
            "filters": filters_used(request, filterset),
            "sort": request.GET.get("sort", ""),
            **(details or {}),
        },
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv.writer(response).writerows(rows)
    return response


def csv_query(request) -> str:
    """The address's query with ``format=csv`` (for the download link): same filters, same
    sort, every page."""
    query = request.GET.copy()
    query.pop("page", None)
    query["format"] = "csv"
    return query.urlencode()


def choice_label(choices: Iterable[tuple[str, str]], code: str) -> str:
    """The label of a code, or the code when unknown (never blank)."""
    return str(dict(choices).get(code, code))


class AuditTable(ListTable):
    """The audit trail screen (its CSV is the full chained export, peerway/core/audit.py)."""

    sequence = tables.Column(verbose_name="#")
    created_at = tables.DateTimeColumn(verbose_name=_("When"), format="SHORT_DATETIME_FORMAT")
    actor_label = tables.Column(verbose_name=_("Who"))
    action = tables.TemplateColumn("<code>{{ value }}</code>", verbose_name=_("Action"))
    object_type = tables.TemplateColumn(
        "{{ value }}{% if record.object_id %} #{{ record.object_id }}{% endif %}",
        verbose_name=_("Record"),
    )
    request_id = tables.TemplateColumn(
        "<small>{{ value|truncatechars:10 }}</small>", verbose_name=_("Request"), orderable=False
    )
    ip_address = tables.Column(verbose_name=_("IP address"), orderable=False)
    details = tables.TemplateColumn(
        "<small>{{ value }}</small>", verbose_name=_("Details"), orderable=False
    )

    class Meta(ListTable.Meta):
        empty_text = _("No event matches.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, caption=_("Audit events"), **kwargs)
