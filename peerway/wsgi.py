import logging
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerway.settings")
application = get_wsgi_application()

if getattr(settings, "PEERWAY_WARM_CHARTS", False):
    # The first chart in a process pays for the engine's start-up, and the first dashboard
    # for importing the views and the statistics (scipy) and reading the questionnaire
    # definitions: pay all of it now, not on the first dashboard someone opens.
    import time

    from django.urls import get_resolver

    from peerway.insights import charts

    try:
        began = time.perf_counter()
        get_resolver().url_patterns  # imports every view module  # noqa: B018
        import peerway.insights.stats  # noqa: F401
        from peerway.instruments.library import current_library

        current_library()  # questionnaire definitions, read once per process
        charts.warm()
        seconds = time.perf_counter() - began
    except Exception:  # charts then start on first use, as they would without this
        logging.getLogger(__name__).exception("Warm-up failed")
    else:
        logging.getLogger(__name__).info("Views, statistics and charts ready in %.1f s", seconds)
