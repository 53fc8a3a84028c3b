from django.urls import path

from steadyops.notify import views

urlpatterns = [
    path("", views.channel_list, name="channel_list"),
    path("channels/new/", views.channel_create, name="channel_create"),
    path("channels/<int:pk>/edit/", views.channel_edit, name="channel_edit"),
    path("channels/<int:pk>/test/", views.channel_test, name="channel_test"),
    path("channels/<int:pk>/rotate-secret/", views.channel_rotate_secret, name="channel_rotate_secret"),
    path("channels/<int:pk>/archive/", views.channel_archive, name="channel_archive"),
    path("preferences/", views.preferences, name="preferences"),
    path("deliveries/", views.delivery_list, name="delivery_list"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
]
