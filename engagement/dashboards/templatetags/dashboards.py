from django import template
from django.urls import reverse

from engagement.dashboards.plotly_js import PLOTLY_VERSION

register = template.Library()


@register.simple_tag
def plotly_js_url() -> str:
    """Our own copy of plotly.js, versioned so browsers may keep it for a year."""
    return reverse("dashboards:plotly_js", args=[PLOTLY_VERSION])
