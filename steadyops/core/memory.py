"""Keeping the garbage collector off the request path of long-running processes."""

from __future__ import annotations

import gc

from django.urls import get_resolver


def freeze_loaded_code(*, pages: bool = True) -> None:
    """Load every page's code now rather than on the first request (with pages; a worker serves none), then set
    everything loaded so far aside from the garbage collector.

    The pages pull in numpy, pandas and matplotlib: a quarter of a million long-lived objects, which every full
    collection walked again, stalling each thread of the process for over 100 ms. Frozen objects are never
    collected (they live as long as the process anyway) and are no longer walked.
    """
    if pages:
        get_resolver().url_patterns  # noqa: B018
    gc.collect()
    gc.freeze()
