"""The WSGI application that `steadyops serve` runs (granian or gunicorn)."""

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steadyops.settings")
_django = get_wsgi_application()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Django's application, answering a response held in memory as one list of bytes.

    A server sends a list in one piece; any other iterable it walks one item at a time, taking the interpreter
    lock for each, which for a short API answer costs more than the rest of sending it. Streaming and file
    responses are passed on as they are. The response is closed here, as the server would, once its body is read.
    """
    response = _django(environ, start_response)
    if not isinstance(response, HttpResponse):
        return response
    try:
        return [response.content]
    finally:
        response.close()
