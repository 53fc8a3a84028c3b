from steadyops.consensus import board_urls, decision_urls, topic_urls

urlpatterns = [*topic_urls.urlpatterns, *board_urls.urlpatterns, *decision_urls.urlpatterns]
