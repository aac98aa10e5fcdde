"""Writes for survey waves and anonymous responses."""

from __future__ import annotations

import time
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerway.core import audit
from peerway.core.models import Organization, Team, User
from peerway.instruments.engine.errors import AnswerError
from peerway.instruments.engine.scoring import validate_answers
from peerway.instruments.library import current_library

from .models import MIN_K, Audience, Response, SurveyLink, Wave, WaveRelease


def create_wave(
    *,
    actor: User,
    organization: Organization,
    name: str,
    instrument_codes: list[str],
    teams: list[Team],
    audiences: list[str],
    opens_on: date,
    closes_on: date,
    k: int,
) -> Wave:
    if not actor.has_perm("assessments.manage_waves", organization):
        raise PermissionDenied
    errors: dict[str, str] = {}
    library = current_library()
    chosen = []
    for code in instrument_codes:
        if code not in library or not library[code].has_item_text:
            errors["instruments"] = _("%(code)s cannot be given: it has no item text.") % {
                "code": code
            }
        else:
            chosen.append({"code": code, "version": library[code].version})
    if not chosen:
        errors.setdefault("instruments", _("Choose at least one questionnaire."))
    if not teams:
        errors["teams"] = _("Choose at least one team.")
    if any(t.site.organization_id != organization.pk for t in teams):
        errors["teams"] = _("A chosen team belongs to another organization.")
    bad_audiences = [a for a in audiences if a not in Audience.values]
    if not audiences or bad_audiences:
        errors["audiences"] = _("Choose at least one audience.")
    if closes_on < opens_on:
        errors["closes_on"] = _("The closing date must be on or after the opening date.")
    if k < MIN_K:
        errors["k"] = _("The anonymity threshold cannot be below %(min)s.") % {"min": MIN_K}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        wave = Wave.objects.create(
            organization=organization,
            name=name.strip(),
            instruments=chosen,
            audiences=sorted(set(audiences), key=Audience.values.index),
            opens_on=opens_on,
            closes_on=closes_on,
            k=k,
            created_by=actor,
        )
        wave.teams.set(teams)
        for team in teams:
            for audience in wave.audiences:
                SurveyLink.objects.create(wave=wave, team=team, audience=audience)
        audit.record(
            actor=actor,
            action="wave.created",
            obj=wave,
            details={
                "instruments": chosen,
                "teams": [t.pk for t in teams],
                "audiences": wave.audiences,
                "k": k,
            },
        )
    return wave


def set_wave_dates(*, actor: User, wave: Wave, opens_on: date, closes_on: date) -> Wave:
    if not actor.has_perm("assessments.manage_waves", wave.organization):
        raise PermissionDenied
    if closes_on < opens_on:
        raise ValidationError(
            {"closes_on": _("The closing date must be on or after the opening date.")}
        )
    with transaction.atomic():
        before = {"opens_on": wave.opens_on, "closes_on": wave.closes_on}
        wave.opens_on, wave.closes_on = opens_on, closes_on
        wave.save(update_fields=["opens_on", "closes_on"])
        audit.record(
            actor=actor,
            action="wave.dates_changed",
            obj=wave,
            details={"before": before, "after": {"opens_on": opens_on, "closes_on": closes_on}},
        )
    return wave


def close_wave_now(*, actor: User, wave: Wave) -> Wave:
    """Close a wave today; its disclosure decision is queued for the task worker at once,
    so the first reader of its results does not wait for it."""
    from .tasks import release_wave_results

    today = timezone.localdate()
    yesterday = today - timezone.timedelta(days=1)
    wave = set_wave_dates(
        actor=actor, wave=wave, opens_on=min(wave.opens_on, yesterday), closes_on=yesterday
    )
    transaction.on_commit(lambda: release_wave_results.enqueue(wave.pk))
    return wave


def release_wave(*, wave: Wave, actor: User | None = None) -> WaveRelease:
    """Decide which results of a closed wave are published (the suppression rules and the
    integer attacker, ``analysis.decide_release``) and store the decision with the wave.

    Runs once per state of the wave: under the wave's row lock, a decision already stored
    for the same responses and settings is returned as it is, so two runs at once (the task
    queued at closing, the scheduled command, a first reader) decide once. A wave that is
    not closed is refused: its results are not released."""
    from peerway.core.locking import relock

    from .analysis import decide_release
    from .reports import records_for, release_stamp, team_sites

    with transaction.atomic():
        if not relock(wave):
            raise ValidationError(_("This survey no longer exists."))
        if wave.status() != "closed":
            raise ValidationError(_("Results are released only once the survey has closed."))
        stamp = release_stamp(wave)
        existing = WaveRelease.objects.filter(wave=wave).first()
        if existing is not None and existing.stamp == stamp:
            return existing
        started = time.perf_counter()
        decision = decide_release(
            records_for(wave),
            current_library(),
            k=wave.k,
            teams=team_sites(wave),
            audiences=wave.audiences,
            instrument_codes=wave.instrument_codes,
        )
        seconds = time.perf_counter() - started
        values = {
            "stamp": stamp,
            "decision": decision.to_json(),
            "passed": all(decision.passed.values()),
            "added": sum(decision.added.values()),
            "seconds": round(seconds, 3),
            "decided_at": timezone.now(),
        }
        release, _created = WaveRelease.objects.update_or_create(wave=wave, defaults=values)
        audit.record(
            actor=actor,
            action="wave.results_released",
            obj=wave,
            details={
                "passed": values["passed"],
                "hidden_by_audit": values["added"],
                "seconds": values["seconds"],
                "replaces_earlier_decision": existing is not None,
            },
        )
    return release


def release_closed_waves() -> int:
    """Decide the release of every closed wave without a current decision (a wave closes by
    date, with no request to hook onto). Safe to run often. Returns how many were decided."""
    from .reports import release_stamp

    today = timezone.localdate()
    decided = 0
    for wave in Wave.objects.filter(closes_on__lt=today).select_related("release"):
        current = getattr(wave, "release", None)
        if current is not None and current.stamp == release_stamp(wave):
            continue
        release_wave(wave=wave)
        from .tasks import store_released_trend

        store_released_trend(wave)
        decided += 1
    return decided


def submit_response(*, link: SurveyLink, answers: dict[str, dict[str, object]]) -> Response:
    """Store one anonymous response. No audit event: it would carry an address and a time.

    Every questionnaire of the wave must be present and valid; nothing is stored otherwise.
    """
    wave = link.wave
    if not wave.is_open():
        raise ValidationError(_("This survey is not open."))
    library = current_library()
    cleaned: dict[str, dict[str, object]] = {}
    versions: dict[str, str] = {}
    for entry in wave.instruments:
        instrument = library.get_version(entry["code"], entry["version"])
        given = answers.get(entry["code"])
        if not given:
            raise ValidationError(_("Answers for %(name)s are missing.") % {"name": entry["code"]})
        try:
            validate_answers(instrument, given)
        except AnswerError as exc:
            raise ValidationError(str(exc)) from exc
        cleaned[entry["code"]] = given
        versions[entry["code"]] = instrument.version
    return Response.objects.create(
        wave=wave,
        team=link.team,
        audience=link.audience,
        submitted_on=timezone.localdate(),
        answers=cleaned,
        versions=versions,
    )
