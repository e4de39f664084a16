from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    """The baseline: a Django view that does nothing, through the same stack."""
    return HttpResponse("ok")


urlpatterns = [path("bare/", bare), path("", include("config.urls"))]
