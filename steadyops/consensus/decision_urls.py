from django.urls import URLPattern, path

from steadyops.consensus import decision_views as views

urlpatterns: list[URLPattern] = [
    path("decisions/", views.decision_list, name="consensus_decision_list"),
    path("decisions/new/", views.decision_create, name="consensus_decision_create"),
    path("decisions/similar/", views.similar, name="consensus_similar"),
    path("decisions/<int:number>/", views.decision_detail, name="consensus_decision_detail"),
    path("decisions/<int:number>/edit/", views.decision_edit, name="consensus_decision_edit"),
    path("decisions/<int:number>/supersede/", views.decision_supersede, name="consensus_decision_supersede"),
    path("decisions/<int:number>/withdraw/", views.decision_withdraw, name="consensus_decision_withdraw"),
]
