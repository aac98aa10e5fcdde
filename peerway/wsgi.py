import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerway.settings")
application = get_wsgi_application()

if getattr(settings, "PEERWAY_WARM_CHARTS", False):
    # The first dashboard after a start would otherwise pay for importing the views and
    # the statistics, reading the questionnaire definitions and starting the chart engine.
    from peerway.core.warm import warm

    warm(pdf=False)
