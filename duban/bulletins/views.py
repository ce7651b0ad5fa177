"""The 通报 screens."""

from django.http import Http404


def bulletin_list(request):
    raise Http404
