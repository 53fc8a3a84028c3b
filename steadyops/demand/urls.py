from steadyops.demand import event_urls, headroom_urls, series_urls

urlpatterns = [*event_urls.urlpatterns, *series_urls.urlpatterns, *headroom_urls.urlpatterns]
