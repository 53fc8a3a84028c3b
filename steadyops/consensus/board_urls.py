from django.urls import URLPattern, path

from steadyops.consensus import board_views, session_views

urlpatterns: list[URLPattern] = [
    path("boards/", board_views.board_list, name="consensus_board_list"),
    path("boards/new/", board_views.board_create, name="consensus_board_create"),
    path("boards/<int:pk>/", board_views.board_detail, name="consensus_board_detail"),
    path("boards/<int:pk>/ideas/", board_views.idea_add, name="consensus_board_idea_add"),
    path("boards/<int:pk>/ideas/<int:idea_pk>/vote/", board_views.vote, name="consensus_board_vote"),
    path("boards/<int:pk>/shortlist/", board_views.shortlist, name="consensus_board_shortlist"),
    path("boards/<int:pk>/merge/", board_views.merge, name="consensus_board_merge"),
    path("boards/<int:pk>/stage/", board_views.stage, name="consensus_board_stage"),
    path("boards/<int:pk>/archive/", board_views.archive, name="consensus_board_archive"),
    path("sessions/", session_views.session_list, name="consensus_session_list"),
    path("sessions/new/", session_views.session_create, name="consensus_session_create"),
    path("sessions/<int:pk>/", session_views.session_detail, name="consensus_session_detail"),
    path("sessions/<int:pk>/conflicts/", session_views.conflict_add, name="consensus_session_conflict_add"),
    path(
        "sessions/<int:pk>/conflicts/<int:conflict_pk>/",
        session_views.conflict_edit,
        name="consensus_session_conflict_edit",
    ),
    path("sessions/<int:pk>/record/", session_views.record, name="consensus_session_record"),
    path("sessions/<int:pk>/recorded/", session_views.mark_recorded, name="consensus_session_mark_recorded"),
]
