"""The demand API: traffic events, metric history and forecasts, headroom. Mounted at /api/v1/demand/."""

from ninja import Router

from steadyops.demand.event_api import router as event_router
from steadyops.demand.headroom_api import router as headroom_router
from steadyops.demand.series_api import router as series_router

router = Router(tags=["demand"])
router.add_router("", event_router)
router.add_router("", series_router)
router.add_router("", headroom_router)
