from ninja import NinjaAPI

api = NinjaAPI(title="steadyops API", version="1", urls_namespace="api")
