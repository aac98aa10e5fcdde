import logging
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerway.settings")
application = get_wsgi_application()

if getattr(settings, "PEERWAY_WARM_CHARTS", False):
    # The first chart in a process pays for the engine's start-up: pay it now, not on the
    # first dashboard someone opens.
    from peerway.insights import charts

    try:
        seconds = charts.warm()
    except Exception:  # charts then start on first use, as they would without this
        logging.getLogger(__name__).exception("Chart engine warm-up failed")
    else:
        logging.getLogger(__name__).info("Chart engine ready in %.1f s", seconds)
