from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role sees what it can do; the sections are in templates/home.html."""
    return render(request, "home.html", {"user": request.user})


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe for the load balancer, and the load benchmark's baseline: no database, no session."""
    return HttpResponse("ok", content_type="text/plain")
