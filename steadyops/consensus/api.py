"""The consensus API: topics and votes, idea boards, decisions. Mounted at /api/v1/consensus/."""

from ninja import Router

from steadyops.consensus.board_api import router as board_router
from steadyops.consensus.decision_api import router as decision_router
from steadyops.consensus.topic_api import router as topic_router

router = Router(tags=["consensus"])
router.add_router("", topic_router)
router.add_router("", board_router)
router.add_router("", decision_router)
