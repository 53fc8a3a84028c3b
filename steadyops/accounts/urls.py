from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from steadyops.accounts import views
from steadyops.accounts.forms import LoginForm, OutboxPasswordResetForm

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(
            form_class=OutboxPasswordResetForm, extra_email_context={"site_url": settings.SITE_URL}
        ),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/tokens/", views.token_list, name="token_list"),
    path("accounts/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
    path("teams/<slug:slug>/edit/", views.team_edit, name="team_edit"),
    path("teams/<slug:slug>/archive/", views.team_archive, name="team_archive"),
    path("teams/<slug:slug>/members/add/", views.team_member_add, name="team_member_add"),
    path("teams/<slug:slug>/members/<str:username>/remove/", views.team_member_remove, name="team_member_remove"),
    path("people/", views.people_list, name="people_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<str:username>/", views.person_detail, name="person_detail"),
    path("people/<str:username>/edit/", views.person_edit, name="person_edit"),
]

if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
