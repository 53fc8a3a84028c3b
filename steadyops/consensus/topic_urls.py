from django.urls import URLPattern, path

from steadyops.consensus import topic_views as views

urlpatterns: list[URLPattern] = [
    path("topics/", views.topic_list, name="consensus_topic_list"),
    path("topics/new/", views.topic_create, name="consensus_topic_create"),
    path("topics/<int:pk>/", views.topic_detail, name="consensus_topic_detail"),
    path("topics/<int:pk>/edit/", views.topic_edit, name="consensus_topic_edit"),
    path("topics/<int:pk>/vote/", views.topic_vote, name="consensus_topic_vote"),
    path("topics/<int:pk>/rounds/", views.topic_next_round, name="consensus_topic_next_round"),
    path("topics/<int:pk>/close/", views.topic_close, name="consensus_topic_close"),
    path("topics/<int:pk>/archive/", views.topic_archive, name="consensus_topic_archive"),
]
