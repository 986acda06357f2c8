from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role sees what it can do; the sections are in templates/home.html."""
    return render(request, "home.html", {"user": request.user})
