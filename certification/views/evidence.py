"""Placeholder."""

from django.http import Http404


def evidence_download(request, *args, **kwargs):
    raise Http404
