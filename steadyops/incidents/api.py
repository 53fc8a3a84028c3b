"""The incidents API: panic reports, alert intake, incidents and updates, on-call. Mounted at /api/v1/incidents/."""

from ninja import Router

from steadyops.incidents.incident_api import router as incident_router
from steadyops.incidents.intake_api import router as intake_router
from steadyops.incidents.oncall_api import router as oncall_router

router = Router(tags=["incidents"])
router.add_router("", intake_router)
router.add_router("", incident_router)
router.add_router("", oncall_router)
