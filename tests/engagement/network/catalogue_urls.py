"""The project's URLs plus the catalogue page, as backend/urls.py will include it."""

from backend.urls import urlpatterns as project_urlpatterns
from engagement.network.urls import catalogue_urlpatterns

urlpatterns = [*project_urlpatterns, *catalogue_urlpatterns]
