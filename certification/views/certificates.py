"""Placeholder: to be implemented."""

from django.http import Http404


def office_certificates(request, *args, **kwargs):
    raise Http404


def office_attention(request, *args, **kwargs):
    raise Http404


def office_policy(request, *args, **kwargs):
    raise Http404


def office_certificate(request, *args, **kwargs):
    raise Http404


def office_certificate_action(request, *args, **kwargs):
    raise Http404


def office_open_surveillance(request, *args, **kwargs):
    raise Http404


def recertify(request, *args, **kwargs):
    raise Http404
