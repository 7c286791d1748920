from django.urls import path

from engagement.privacy import apis

app_name = "privacy"

urlpatterns = [path("export", apis.MyExportApi.as_view(), name="my-export")]
