from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerway.core import selectors as core_selectors
from peerway.core.access import public, requires
from peerway.core.views import _add_errors
from peerway.instruments.library import current_library

from . import reports, selectors, services
from .forms import InstrumentPageForm, ShortCodeForm, WaveForm, engine_language
from .models import Audience


def _org(request, slug, **kwargs):
    return core_selectors.get_organization(request.user, slug)


def _lang() -> str:
    return engine_language(get_language())


# --- Manager screens -------------------------------------------------------------------


@requires("assessments.view_results", obj=_org)
def wave_list(request, slug):
    org = request.permission_object
    waves = list(selectors.waves_for(org))
    today = timezone.localdate()
    return render(
        request,
        "assessments/wave_list.html",
        {
            "organization": org,
            "waves": [(w, w.status(today)) for w in waves],
            "can_manage": request.user.has_perm("assessments.manage_waves", org),
        },
    )


def _wave_form(request, org):
    library = current_library()
    lang = _lang()
    instrument_choices = [
        (code, f"{inst.name.get(lang) or inst.name.get('en')} ({code})")
        for code, inst in sorted(library.items())
        if inst.has_item_text
    ]
    team_choices = [
        (str(t.pk), f"{t.name} · {t.site.name}")
        for t in core_selectors.teams_for(request.user, org).order_by("site__name", "name")
    ]
    return WaveForm(
        request.POST or None,
        instrument_choices=instrument_choices,
        team_choices=team_choices,
        initial={
            "instruments": [c for c in ("oric", "pibc") if c in library],
            "audiences": list(Audience.values),
            "teams": [c[0] for c in team_choices],
            "opens_on": timezone.localdate(),
            "closes_on": timezone.localdate() + timedelta(days=21),
        },
    )


@requires("assessments.manage_waves", obj=_org)
def wave_create(request, slug):
    org = request.permission_object
    form = _wave_form(request, org)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        teams = list(
            core_selectors.teams_for(request.user, org).filter(
                pk__in=[int(t) for t in data["teams"]]
            )
        )
        try:
            wave = services.create_wave(
                actor=request.user,
                organization=org,
                name=data["name"],
                instrument_codes=data["instruments"],
                teams=teams,
                audiences=data["audiences"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                k=data["k"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("The survey wave was created with one link per team and audience.")
            )
            return redirect("assessments:wave", slug=org.slug, pk=wave.pk)
    return render(request, "assessments/wave_form.html", {"organization": org, "form": form})


def _count_label(n: int | None, k: int) -> str:
    if n is None:
        return _("hidden (fewer than %(k)s, or would reveal a smaller group)") % {"k": k}
    if n == 0:
        return _("none yet")
    return str(n)


@requires(
    "assessments.manage_waves",
    obj=_org,
    no_record="survey wave and anonymous response counts; no person's record",
)
def wave_detail(request, slug, pk):
    org = request.permission_object
    wave = selectors.get_wave(org, pk)
    rows = [
        {
            "link": link,
            "url": request.build_absolute_uri(reverse("survey:start", args=[link.token])),
            "count": _count_label(n, wave.k),
            "enough": n is not None and n >= wave.k,
        }
        for link, n in selectors.links_with_counts(wave)
    ]
    library = current_library()
    lang = _lang()
    instruments = []
    for entry in wave.instruments:
        inst = library.get_version(entry["code"], entry["version"])
        instruments.append(
            {"code": inst.code, "version": inst.version, "name": inst.name.get(lang)}
        )
    return render(
        request,
        "assessments/wave_detail.html",
        {
            "organization": org,
            "wave": wave,
            "status": wave.status(),
            "rows": rows,
            "instruments": instruments,
            "entry_url": request.build_absolute_uri(reverse("survey:enter_code")),
        },
    )


@requires(
    "assessments.manage_waves",
    obj=_org,
    no_record="printable survey invitation; no person's record",
)
def wave_print(request, slug, pk):
    org = request.permission_object
    wave = selectors.get_wave(org, pk)
    rows = [
        {
            "link": link,
            "url": request.build_absolute_uri(reverse("survey:start", args=[link.token])),
        }
        for link, _n in selectors.links_with_counts(wave)
    ]
    return render(
        request,
        "assessments/wave_print.html",
        {
            "organization": org,
            "wave": wave,
            "rows": rows,
            "entry_url": request.build_absolute_uri(reverse("survey:enter_code")),
            # Invitations are bilingual: each sheet says it in English and in French.
            "print_languages": ["en", "fr-ca"],
        },
    )


@requires(
    "assessments.manage_waves",
    obj=_org,
    no_record="POST only: an action; its write is audited by the service",
)
@require_POST
def wave_close(request, slug, pk):
    org = request.permission_object
    wave = selectors.get_wave(org, pk)
    services.close_wave_now(actor=request.user, wave=wave)
    messages.success(request, _("The survey is closed; its links no longer accept answers."))
    return redirect("assessments:wave", slug=org.slug, pk=wave.pk)


@requires("instruments.view_library", obj=_org)
def instrument_library(request, slug):
    org = request.permission_object
    lang = _lang()
    library = current_library()
    rows = []
    for code, inst in sorted(library.items()):
        rows.append(
            {
                "code": code,
                "name": inst.name.get(lang) or inst.name.get("en"),
                "version": inst.version,
                "category": inst.licence.category,
                "items": len(inst.items),
                "supplied": inst.items_supplied,
                "has_text": inst.has_item_text,
                "notice": (inst.licence.notice or {}).get(lang) if inst.licence.notice else "",
                "citation": inst.citation or "",
                "scales": [s.name.get(lang) or s.id for s in inst.scales],
                "group_level": inst.group_level,
            }
        )
    return render(
        request, "assessments/instrument_library.html", {"organization": org, "rows": rows}
    )


# --- Anonymous respondents ---------------------------------------------------------------
# Answers in progress live in the respondent's own session (a cookie), never in a row
# linked to anything; a signed "done" cookie discourages accidental repeat answers.

DONE_COOKIE = "pw_survey_done"
SUBMISSIONS_PER_LINK_PER_HOUR = 120


def _session_key(link) -> str:
    return f"survey:{link.pk}"


def _done_waves(request) -> set[int]:
    try:
        raw = signing.loads(request.COOKIES.get(DONE_COOKIE, ""), salt="survey-done")
    except signing.BadSignature:
        return set()
    return {int(x) for x in raw if str(x).isdigit()}


def _link_or_gone(token):
    link = selectors.find_link(token)
    return link


def _closed_response(request, link):
    return render(
        request,
        "assessments/survey_closed.html",
        {"link": link, "status": link.wave.status()},
        status=410,
    )


def _keep_session_until_close(request, link) -> None:
    end = datetime.combine(
        link.wave.closes_on + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone()
    )
    request.session.set_expiry(max(int((end - timezone.now()).total_seconds()), 60))


def _resume_step(link, saved) -> int:
    """The first questionnaire not yet fully answered (1-based)."""
    library = current_library()
    for number, entry in enumerate(link.wave.instruments, start=1):
        instrument = library.get_version(entry["code"], entry["version"])
        answers = saved.get(entry["code"]) or {}
        if any(item.id not in answers for item in instrument.items):
            return number
    return len(link.wave.instruments)


@public("survey")
def enter_code(request):
    form = ShortCodeForm(request.POST or request.GET or None)
    if (request.POST or request.GET.get("code")) and form.is_valid():
        link = selectors.find_link_by_code(form.cleaned_data["code"])
        if link is not None:
            return redirect("survey:start", token=link.token)
        form.add_error("code", _("No survey has this code. Check the code and try again."))
    return render(request, "assessments/survey_code.html", {"form": form})


@public("survey")
def start(request, token):
    link = _link_or_gone(token)
    if link is None:
        return render(request, "assessments/survey_unknown.html", status=404)
    if not link.wave.is_open():
        return _closed_response(request, link)
    already = link.wave.pk in _done_waves(request)
    if request.method == "POST":
        saved = request.session.get(_session_key(link), {})
        request.session[_session_key(link)] = saved
        _keep_session_until_close(request, link)
        return redirect("survey:page", token=token, step=_resume_step(link, saved))
    library = current_library()
    lang = _lang()
    instruments = [
        library.get_version(e["code"], e["version"]).name.get(lang) for e in link.wave.instruments
    ]
    return render(
        request,
        "assessments/survey_start.html",
        {
            "link": link,
            "instruments": instruments,
            "already": already,
            "in_progress": bool(request.session.get(_session_key(link))),
            "k": link.wave.k,
        },
    )


@public("survey")
def page(request, token, step):
    link = _link_or_gone(token)
    if link is None:
        return render(request, "assessments/survey_unknown.html", status=404)
    if not link.wave.is_open():
        return _closed_response(request, link)
    entries = link.wave.instruments
    if not 1 <= step <= len(entries):
        return redirect("survey:page", token=token, step=1)
    library = current_library()
    entry = entries[step - 1]
    instrument = library.get_version(entry["code"], entry["version"])
    lang = _lang()
    saved = request.session.get(_session_key(link), {})
    form = InstrumentPageForm(
        request.POST or None,
        instrument=instrument,
        language=lang,
        audience=link.audience,
        initial=InstrumentPageForm.initial_from(saved.get(instrument.code)),
    )
    action = request.POST.get("action", "next")
    if request.method == "POST":
        if action in ("back", "save"):
            # Keep what was chosen on this page, even if incomplete.
            partial = {k: v for k, v in request.POST.items() if k in form.fields}
            page_answers = saved.setdefault(instrument.code, {})
            page_answers.update(
                {k: form._values[k][v] for k, v in partial.items() if v in form._values[k]}
            )
            request.session[_session_key(link)] = saved
            _keep_session_until_close(request, link)
            if action == "save":
                return render(
                    request, "assessments/survey_saved.html", {"link": link, "step": step}
                )
            return redirect("survey:page", token=token, step=max(step - 1, 1))
        if form.is_valid():
            saved[instrument.code] = form.answers()
            request.session[_session_key(link)] = saved
            _keep_session_until_close(request, link)
            if step < len(entries):
                return redirect("survey:page", token=token, step=step + 1)
            return _submit(request, link, saved)
    return render(
        request,
        "assessments/survey_page.html",
        {
            "link": link,
            "form": form,
            "instrument": instrument,
            "instrument_name": instrument.name.get(lang),
            "instructions": (instrument.instructions or {}).get(lang, ""),
            "step": step,
            "steps": len(entries),
            "is_last": step == len(entries),
        },
    )


def _submit(request, link, saved):
    rate_key = f"survey-rate:{link.pk}:{timezone.now():%Y%m%d%H}"
    cache.add(rate_key, 0, 3600)
    if cache.incr(rate_key) > SUBMISSIONS_PER_LINK_PER_HOUR:
        return render(request, "assessments/survey_busy.html", {"link": link}, status=429)
    try:
        services.submit_response(link=link, answers=saved)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("survey:page", token=link.token, step=1)
    request.session.pop(_session_key(link), None)
    response = redirect("survey:done", token=link.token)
    done = sorted(_done_waves(request) | {link.wave.pk})
    response.set_cookie(
        DONE_COOKIE,
        signing.dumps(done, salt="survey-done"),
        max_age=60 * 60 * 24 * 180,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@public("survey")
def done(request, token):
    link = _link_or_gone(token)
    if link is None:
        return render(request, "assessments/survey_unknown.html", status=404)
    return render(request, "assessments/survey_done.html", {"link": link})


# --- Results (aggregate, suppressed) -----------------------------------------------------

LEVELS = ("organization", "site", "team")


def _results_context(request, org, wave):
    from peerway.insights.charts import bar_chart_with_ci, grouped_change_chart

    from .analysis import ALL, compare
    from .analysis.results import CellKey

    results = reports.wave_results(wave)
    lang = _lang()
    names = reports.place_names(wave)
    instrument = request.GET.get("instrument")
    if instrument not in results.instruments:
        instrument = results.instruments[0] if results.instruments else None
    level = request.GET.get("level") if request.GET.get("level") in LEVELS else "team"
    audiences = [ALL, *wave.audiences]
    audience = request.GET.get("audience") if request.GET.get("audience") in audiences else ALL
    scales = list(results.scales.get(instrument, ())) if instrument else []
    scale = request.GET.get("scale") if request.GET.get("scale") in scales else None
    scale = scale or (scales[0] if scales else None)
    earlier = list(selectors.previous_waves(wave))
    before_wave = None
    if request.GET.get("compare", "").isdigit():
        before_wave = next((w for w in earlier if w.pk == int(request.GET["compare"])), None)
    before = reports.wave_results(before_wave) if before_wave else None

    def note(cell):
        return cell.note(wave.k, lang) if cell.reason else ""

    # Every scale at the organization level, for the chosen audience.
    overview = []
    for sc in scales:
        cell = results.cell(instrument, sc, "organization", None, audience)
        change = compare(before, results, cell.key) if before else None
        overview.append(
            {
                "scale": sc,
                "name": results.scale_name(instrument, sc, lang),
                "cell": cell,
                "note": note(cell),
                "change": change,
            }
        )
    # The chosen scale across places at the chosen level.
    places = []
    chart = change_chart = None
    if scale:
        for cell in results.select(instrument, scale, level, ..., audience):
            change = compare(before, results, cell.key) if before else None
            places.append(
                {
                    "name": names.get((level, cell.place_id), str(cell.place_id)),
                    "cell": cell,
                    "note": note(cell),
                    "change": change,
                }
            )
        scale_name = results.scale_name(instrument, scale, lang)
        rows = [
            {
                "place": p["name"],
                "mean": p["cell"].mean,
                "low": p["cell"].ci95_low,
                "high": p["cell"].ci95_high,
                "note": p["note"] or None,
            }
            for p in places
        ]
        domain = _scale_domain(instrument, scale)
        chart = bar_chart_with_ci(
            rows,
            category="place",
            value="mean",
            low="low",
            high="high",
            title=scale_name,
            value_label=_("Mean (95% CI)"),
            category_label=_("Group"),
            domain=domain,
            lang=lang,
        )
        if before:
            change_rows = [
                {
                    "place": p["name"],
                    "before": p["change"].mean_before,
                    "after": p["change"].mean_after,
                }
                for p in places
                if p["change"] is not None and p["change"].shown
            ]
            if change_rows:
                change_chart = grouped_change_chart(
                    change_rows,
                    category="place",
                    before="before",
                    after="after",
                    title=_("%(scale)s: change from %(wave)s")
                    % {"scale": scale_name, "wave": before_wave.name},
                    before_label=before_wave.name,
                    after_label=wave.name,
                    value_label=_("Mean"),
                    category_label=_("Group"),
                    domain=domain,
                    lang=lang,
                )
    agreement_rows = []
    if instrument:
        agr = reports.wave_agreement(wave)
        for sc in scales:
            rel = agr.reliability_for(instrument, sc)
            icc = agr.icc_for(instrument, sc)
            agreement_rows.append(
                {"name": results.scale_name(instrument, sc, lang), "reliability": rel, "icc": icc}
            )
    inst_obj = current_library().get(instrument) if instrument else None
    return {
        "organization": org,
        "wave": wave,
        "results": results,
        "instrument": instrument,
        "instrument_choices": [(c, results.instrument_name(c, lang)) for c in results.instruments],
        "instrument_name": results.instrument_name(instrument, lang) if instrument else "",
        "group_level": bool(inst_obj and inst_obj.group_level),
        "level": level,
        "audience": audience,
        "audience_choices": [(ALL, _("All audiences"))]
        + [(a, dict(Audience.choices)[a]) for a in wave.audiences],
        "scale": scale,
        "scale_choices": [(sc, results.scale_name(instrument, sc, lang)) for sc in scales],
        "overview": overview,
        "places": places,
        "chart": chart,
        "change_chart": change_chart,
        "earlier": earlier,
        "before_wave": before_wave,
        "agreement_rows": agreement_rows,
        "CellKey": CellKey,
    }


def _scale_domain(code, scale_id):
    inst = current_library().get(code)
    if inst is None:
        return None
    scale = next((s for s in inst.scales if s.id == scale_id), None)
    if scale is None or scale.range == (0, 0):
        return None
    return [scale.range[0], scale.range[1]]


def _not_closed(request, org, wave):
    """Results appear only once a wave closes: comparing results before and after one new
    response would reveal that response."""
    return render(
        request,
        "assessments/results_not_ready.html",
        {"organization": org, "wave": wave, "status": wave.status()},
    )


@requires(
    "assessments.view_results",
    obj=_org,
    no_record="anonymous survey results (small groups suppressed); no person's record",
)
def wave_results(request, slug, pk):
    org = request.permission_object
    wave = selectors.get_wave(org, pk)
    if wave.status() != "closed":
        return _not_closed(request, org, wave)
    return render(request, "assessments/results.html", _results_context(request, org, wave))


@requires(
    "assessments.view_results",
    obj=_org,
    no_record="anonymous survey results (small groups suppressed); no person's record",
)
def wave_results_csv(request, slug, pk):
    from peerway.core import audit

    from .analysis import csv_rows

    org = request.permission_object
    wave = selectors.get_wave(org, pk)
    if wave.status() != "closed":
        return _not_closed(request, org, wave)
    rows = csv_rows(reports.wave_results(wave), lang=_lang(), place_names=reports.place_names(wave))
    audit.record(actor=request.user, action="wave.results_exported", obj=wave)
    return _csv_response(rows, f"survey-{wave.pk}-results.csv")


def _csv_response(rows, filename):
    import csv

    from django.http import HttpResponse

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv.writer(response).writerows(rows)
    return response


@requires(
    "assessments.view_results",
    obj=_org,
    no_record="anonymous survey statistics (teams with shown results only); no person's record",
)
def wave_agreement_csv(request, slug, pk):
    from peerway.core import audit

    from .analysis.export import agreement_rows

    org = request.permission_object
    wave = selectors.get_wave(org, pk)
    if wave.status() != "closed":
        return _not_closed(request, org, wave)
    rows = list(
        agreement_rows(reports.wave_results(wave), reports.wave_agreement(wave), lang=_lang())
    )
    audit.record(actor=request.user, action="wave.agreement_exported", obj=wave)
    return _csv_response(rows, f"survey-{wave.pk}-agreement.csv")


@requires(
    "assessments.view_results",
    obj=_org,
    no_record="the description of the results files; no data",
)
def wave_dictionary_csv(request, slug, pk):
    from .analysis.export import dictionary_rows

    selectors.get_wave(request.permission_object, pk)  # 404 for another organization's
    return _csv_response(list(dictionary_rows(lang=_lang())), "survey-data-dictionary.csv")


@requires(
    "assessments.view_results",
    obj=_org,
    no_record="anonymous survey results (small groups suppressed); no person's record",
)
def wave_barriers(request, slug, pk):
    from peerway.planning.library_views import LEVELS as LEVEL_LABELS
    from peerway.planning.library_views import SUPPORT_TYPES as SUPPORT_LABELS

    from .analysis import ALL, BARRIER, DEFAULT_RULE, FACILITATOR

    org = request.permission_object
    wave = selectors.get_wave(org, pk)
    if wave.status() != "closed":
        return _not_closed(request, org, wave)
    profile = reports.wave_barriers(wave)
    lang = _lang()
    audiences = [ALL, *wave.audiences]
    audience = request.GET.get("audience") if request.GET.get("audience") in audiences else ALL
    context = {
        "organization": org,
        "wave": wave,
        "profile": profile,
        "audience": audience,
        "audience_choices": [(ALL, _("All audiences"))]
        + [(a, dict(Audience.choices)[a]) for a in wave.audiences],
        "rule": DEFAULT_RULE,
        "LEVELS": LEVEL_LABELS,
        "SUPPORT_TYPES": SUPPORT_LABELS,
        "BARRIER": BARRIER,
        "FACILITATOR": FACILITATOR,
    }
    if profile is not None:
        names = reports.place_names(wave)
        groups = [("organization", None, profile.for_organization(audience))]
        groups += [("team", g.place_id, g) for g in profile.teams(audience)]
        columns = [names.get((lvl, pid), str(pid)) for lvl, pid, _g in groups]
        factor_codes = [f.factor for f in groups[0][2].factors]
        matrix = []
        for code in factor_codes:
            first = groups[0][2].factor(code)
            matrix.append(
                {
                    "code": code,
                    "name": first.name.get(lang) or first.name.get("en") or code,
                    "level": first.level,
                    "support_type": first.support_type,
                    "unverified": first.unverified,
                    "cells": [g.factor(code) for _lvl, _pid, g in groups],
                }
            )
        team_barriers = [
            (names.get(("team", g.place_id), str(g.place_id)), g.barriers())
            for g in profile.teams(audience)
        ]
        context.update(
            {
                "columns": columns,
                "matrix": matrix,
                "team_barriers": team_barriers,
                "lang": lang,
            }
        )
    return render(request, "assessments/barriers.html", context)
