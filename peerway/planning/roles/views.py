"""Screens for the versioned, co-produced peer role definition."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerway.core import selectors as core_selectors
from peerway.core.access import requires
from peerway.core.views import _add_errors

from .. import taxonomy
from ..models import VersionStatus
from . import selectors, services
from .compare import compare_versions
from .forms import RoleDefinitionForm, RoleVersionForm, ScopeForm


def _org(request, slug, **kwargs):
    return core_selectors.get_organization(request.user, slug)


def _version(request, slug, pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    return selectors.get_version(organization, pk)


def _lang() -> str:
    return "fr" if (get_language() or "").startswith("fr") else "en"


def _scope_rows(version, lang: str) -> dict[str, list[dict]]:
    """In-scope and out-of-scope entries with their descriptions, in taxonomy order."""

    def rows(codes):
        result = []
        for code in codes:
            try:
                category = taxonomy.get(code)
            except KeyError:
                result.append({"code": code, "label": code, "description": "", "kind": ""})
                continue
            result.append(
                {
                    "code": code,
                    "label": category.label_in(lang),
                    "description": category.description_in(lang),
                    "kind": category.kind,
                    "sources": category.sources,
                }
            )
        return result

    return {"in_scope": rows(version.in_scope), "out_of_scope": rows(version.out_of_scope)}


def _version_context(request, version) -> dict:
    lang = _lang()
    organization = version.definition.organization
    co_producers = list(version.co_producers.all().order_by("display_name"))
    peers = selectors.peer_worker_ids(organization, co_producers)
    manage = request.user.has_perm("planning.manage_role_definitions", organization)
    return {
        "organization": organization,
        "definition": version.definition,
        "version": version,
        "scope": _scope_rows(version, lang),
        "co_producers": [(u, u.pk in peers) for u in co_producers],
        "can_manage": manage,
        "can_approve": version.is_draft
        and request.user.has_perm("planning.approve_role_definitions", version),
        "sources": [taxonomy.SOURCES[k] for k in sorted(taxonomy.SOURCES)],
    }


def _content(version_form: RoleVersionForm, scope_form: ScopeForm, organization):
    data = version_form.cleaned_data
    in_scope, out_of_scope = scope_form.scope()
    return services.RoleContent(
        purpose=data["purpose"],
        in_scope=in_scope,
        out_of_scope=out_of_scope,
        drift_threshold_percent=data["drift_threshold_percent"],
        information_sharing=data["information_sharing"],
        documentation=data["documentation"],
        co_producers=services.users_by_id(organization, data["co_producers"]),
    )


def _add_content_errors(version_form, scope_form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        version_form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        if name in version_form.fields:
            version_form.add_error(name, errors)
        else:
            # in_scope / out_of_scope: about the scope table as a whole
            scope_form.add_error(None, errors)


@requires("planning.view_role_definitions", obj=_org)
def role_list(request, slug):
    organization = request.permission_object
    return render(
        request,
        "planning/role_list.html",
        {
            "organization": organization,
            "rows": selectors.definitions_with_versions(request.user, organization),
            "can_manage": request.user.has_perm("planning.manage_role_definitions", organization),
        },
    )


@requires("planning.manage_role_definitions", obj=_org)
def role_create(request, slug):
    organization = request.permission_object
    lang = _lang()
    candidates = selectors.co_producer_candidates(organization)
    in_scope, out_of_scope = taxonomy.default_scope()
    data = request.POST or None
    definition_form = RoleDefinitionForm(data)
    version_form = RoleVersionForm(data, candidates=candidates)
    scope_form = ScopeForm(data, lang=lang, initial=ScopeForm.initial_from(in_scope, out_of_scope))
    if request.method == "POST":
        valid = [f.is_valid() for f in (definition_form, version_form, scope_form)]
        if all(valid):
            try:
                version = services.create_definition(
                    actor=request.user,
                    organization=organization,
                    title=definition_form.cleaned_data["title"],
                    team_type=definition_form.cleaned_data["team_type"],
                    content=_content(version_form, scope_form, organization),
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name in ("title", "team_type"):
                        if name in exc.error_dict:
                            definition_form.add_error(name, exc.error_dict.pop(name))
                    if exc.error_dict:
                        _add_content_errors(version_form, scope_form, exc)
                else:
                    _add_errors(definition_form, exc)
            else:
                messages.success(
                    request,
                    _("The role definition was created as draft version 1."),
                )
                return redirect("planning:role_version", slug=organization.slug, pk=version.pk)
    return render(
        request,
        "planning/role_form.html",
        {
            "organization": organization,
            "definition_form": definition_form,
            "form": version_form,
            "scope_form": scope_form,
            "creating": True,
        },
    )


def _default_pair(versions) -> tuple:
    """What is in force against what is proposed, else the last two (newest first in)."""
    approved = next((v for v in versions if v.status == VersionStatus.APPROVED), None)
    draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
    return (approved, draft) if approved and draft else tuple(reversed(versions[:2]))


@requires(
    "planning.view_role_definitions",
    obj=_org,
    no_record="the organization's peer role definition; no person's record",
)
def role_definition(request, slug, pk):
    organization = request.permission_object
    definition = selectors.get_definition(organization, pk)
    versions = list(selectors.visible_versions(request.user, definition))
    can_manage = request.user.has_perm("planning.manage_role_definitions", organization)
    draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
    default_pair = _default_pair(versions)
    return render(
        request,
        "planning/role_definition.html",
        {
            "organization": organization,
            "definition": definition,
            "versions": versions,
            "draft": draft,
            "can_manage": can_manage,
            "default_a": default_pair[0] if len(default_pair) == 2 else None,
            "default_b": default_pair[1] if len(default_pair) == 2 else None,
        },
    )


@requires(
    "planning.manage_role_definitions",
    obj=_org,
    no_record="the organization's peer role definition; no person's record",
)
@require_POST
def role_new_draft(request, slug, pk):
    organization = request.permission_object
    definition = selectors.get_definition(organization, pk)
    try:
        version = services.start_draft(actor=request.user, definition=definition)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        draft = selectors.current_draft(definition)
        if draft is not None:
            return redirect("planning:role_version_edit", slug=organization.slug, pk=draft.pk)
        return redirect("planning:role_definition", slug=organization.slug, pk=definition.pk)
    messages.success(
        request,
        _("Draft version %(number)s was started as a copy of the latest version.")
        % {"number": version.number},
    )
    return redirect("planning:role_version_edit", slug=organization.slug, pk=version.pk)


@requires(
    "planning.view_role_version",
    obj=_version,
    no_record="the organization's peer role definition; no person's record",
)
def role_version(request, slug, pk):
    version = request.permission_object
    return render(request, "planning/role_version.html", _version_context(request, version))


@requires(
    "planning.view_role_version",
    obj=_version,
    no_record="the organization's peer role definition; no person's record",
)
def role_version_print(request, slug, pk):
    version = request.permission_object
    return render(request, "planning/role_print.html", _version_context(request, version))


@requires(
    "planning.manage_role_definitions",
    obj=_version,
    no_record="the organization's peer role definition; no person's record",
)
def role_version_edit(request, slug, pk):
    version = request.permission_object
    organization = version.definition.organization
    if not version.is_draft:
        messages.error(
            request,
            _(
                "Version %(number)s is %(status)s and can no longer be changed. Start a new "
                "draft to propose changes."
            )
            % {"number": version.number, "status": version.get_status_display().lower()},
        )
        return redirect("planning:role_version", slug=organization.slug, pk=version.pk)
    lang = _lang()
    candidates = selectors.co_producer_candidates(organization)
    data = request.POST or None
    version_form = RoleVersionForm(
        data,
        candidates=candidates,
        initial={
            "purpose": version.purpose,
            "drift_threshold_percent": version.drift_threshold_percent,
            "information_sharing": version.information_sharing,
            "documentation": version.documentation,
            "co_producers": [str(pk) for pk in version.co_producers.values_list("pk", flat=True)],
        },
    )
    scope_form = ScopeForm(
        data, lang=lang, initial=ScopeForm.initial_from(version.in_scope, version.out_of_scope)
    )
    if request.method == "POST":
        valid = [f.is_valid() for f in (version_form, scope_form)]
        if all(valid):
            try:
                services.update_draft(
                    actor=request.user,
                    version=version,
                    content=_content(version_form, scope_form, organization),
                )
            except ValidationError as exc:
                _add_content_errors(version_form, scope_form, exc)
            else:
                messages.success(request, _("The draft was saved."))
                return redirect("planning:role_version", slug=organization.slug, pk=version.pk)
    return render(
        request,
        "planning/role_form.html",
        {
            "organization": organization,
            "definition": version.definition,
            "version": version,
            "form": version_form,
            "scope_form": scope_form,
            "creating": False,
        },
    )


@requires(
    "planning.approve_role_definitions",
    obj=_version,
    no_record="the organization's peer role definition; no person's record",
)
def role_version_approve(request, slug, pk):
    version = request.permission_object
    organization = version.definition.organization
    problems = services.approval_problems(version)
    if request.method == "POST":
        try:
            services.approve_version(actor=request.user, version=version)
        except ValidationError as exc:
            problems = exc.messages
        else:
            messages.success(
                request,
                _("Version %(number)s is approved and now in force; the previous one is kept.")
                % {"number": version.number},
            )
            return redirect("planning:role_version", slug=organization.slug, pk=version.pk)
    context = _version_context(request, version)
    context["problems"] = problems
    context["current"] = selectors.approved_version(organization, version.definition.team_type)
    # Entries the literature treats as outside the peer role, put in scope here: a warning
    # (the organization may have reasons), never a refusal.
    context["non_peer_in_scope"] = [
        row for row in context["scope"]["in_scope"] if row["kind"] == "task"
    ]
    return render(
        request,
        "planning/role_approve.html",
        context,
        status=400 if request.method == "POST" and problems else 200,
    )


@requires(
    "planning.view_role_definitions",
    obj=_org,
    no_record="the organization's peer role definition; no person's record",
)
def role_compare(request, slug, pk):
    organization = request.permission_object
    definition = selectors.get_definition(organization, pk)
    if not (request.GET.get("a") and request.GET.get("b")):
        # The compare address on its own (a bookmark, the form's action): the default
        # pair of the definition page, or that page when there is nothing to compare.
        pair = _default_pair(list(selectors.visible_versions(request.user, definition)))
        if len(pair) < 2:
            return redirect("planning:role_definition", slug=organization.slug, pk=definition.pk)
        older, newer = pair
    else:
        older = selectors.get_visible_version(request.user, definition, request.GET.get("a"))
        newer = selectors.get_visible_version(request.user, definition, request.GET.get("b"))
    if older.number > newer.number:
        older, newer = newer, older
    comparison = compare_versions(older, newer, _lang())
    return render(
        request,
        "planning/role_compare.html",
        {
            "organization": organization,
            "definition": definition,
            "a": older,
            "b": newer,
            "c": comparison,
            "versions": list(selectors.visible_versions(request.user, definition)),
        },
    )
