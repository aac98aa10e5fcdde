"""Background tasks (Django Tasks; the database backend runs them in ``peerway worker``)."""

from django.tasks import task


@task
def release_wave_results(wave_id: int) -> bool:
    """Decide and store which results of a closed wave are published (a wave closed by
    hand). False when the wave is gone or not closed."""
    from .models import Wave
    from .services import release_wave

    wave = Wave.objects.filter(pk=wave_id).first()
    if wave is None or wave.status() != "closed":
        return False
    release_wave(wave=wave)
    store_released_trend(wave)
    return True


def store_released_trend(wave) -> None:
    """The readiness means the dashboards show for this wave, stored now (decision 32) so
    that no dashboard computes the wave's results when first viewed."""
    from peerway.indicators.selectors import store_wave_trend

    store_wave_trend(wave)


@task
def release_closed_waves() -> int:
    """Decide the release of every closed wave that has none yet (waves close by date)."""
    from .services import release_closed_waves as run

    return run()
