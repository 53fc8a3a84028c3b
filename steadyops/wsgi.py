"""The WSGI application that `steadyops serve` runs (granian or gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steadyops.settings")
application = get_wsgi_application()

from steadyops.core.memory import freeze_loaded_code  # noqa: E402 (needs the settings above)

freeze_loaded_code()
