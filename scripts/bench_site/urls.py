"""The portal's addresses and the benchmark's two yardsticks, served by the same server in
the same run as the pages measured:

* the floor, ``/bench/floor/``: a view that answers "ok", through the whole middleware
  stack, with no query and no template: what the server and Django cost at the least;
* the reference, ``/bench/reference/``: a page behind the sign-in listing 50 rows of one
  model with one ``select_related``, through a minimal template: what a plain, lean
  Django page costs on this machine.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import include, path

from schools.models import Student


def floor(request):
    return HttpResponse("ok", content_type="text/plain")


@login_required
def reference(request):
    students = Student.objects.select_related("school").order_by("pk")[:50]
    return render(request, "bench/reference.html", {"students": students})


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/reference/", reference),
    path("", include("config.urls")),
]
