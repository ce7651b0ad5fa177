"""领导驾驶舱: the leader dashboard of a unit's subtree."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET


@login_required
@require_GET
def home(request):
    return HttpResponse("")


@login_required
@require_GET
def unit(request, code):
    return HttpResponse("")


@login_required
@require_GET
def data(request, code):
    return HttpResponse("")


@login_required
@require_GET
def listing(request, code):
    return HttpResponse("")
