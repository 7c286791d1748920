"""URLs of the events room. `page_urlpatterns` (the calendar, event pages, the iCalendar
feed) sit at /events/; `api_urlpatterns` at /api/events/ (both included in backend/urls.py)."""

from django.urls import URLPattern, path

from engagement.events import apis, views

page_urlpatterns: list[URLPattern] = [
    path("", views.calendar, name="calendar"),
    path("calendar.ics", views.feed, name="feed"),
    path("<uuid:event_uuid>", views.detail, name="detail"),
    path("<uuid:event_uuid>/register", views.register, name="register"),
    path("<uuid:event_uuid>/cancel", views.cancel, name="cancel"),
]

api_urlpatterns: list[URLPattern] = [
    path("", apis.EventListApi.as_view(), name="list"),
    path("<uuid:event_uuid>/", apis.EventDetailApi.as_view(), name="detail"),
    path("<uuid:event_uuid>/registration/", apis.RegistrationApi.as_view(), name="registration"),
    path("<uuid:event_uuid>/attendance/", apis.AttendanceApi.as_view(), name="attendance"),
]
