"""Placeholder: to be implemented."""

from django.http import Http404


def registry(request, *args, **kwargs):
    raise Http404


def registry_feed(request, *args, **kwargs):
    raise Http404


def registry_csv(request, *args, **kwargs):
    raise Http404


def badge(request, *args, **kwargs):
    raise Http404


def verify_json(request, *args, **kwargs):
    raise Http404


def verify(request, *args, **kwargs):
    raise Http404


def workspace_certificates(request, *args, **kwargs):
    raise Http404


def workspace_certificate(request, *args, **kwargs):
    raise Http404
