from steadyops.incidents import incident_urls, intake_urls, oncall_urls, panic_urls

urlpatterns = [
    *incident_urls.urlpatterns,
    *panic_urls.urlpatterns,
    *intake_urls.urlpatterns,
    *oncall_urls.urlpatterns,
]
