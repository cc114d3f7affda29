"""Placeholder: to be implemented."""

from django.http import Http404


def application_list(request, *args, **kwargs):
    raise Http404


def grants(request, *args, **kwargs):
    raise Http404


def auditors(request, *args, **kwargs):
    raise Http404


def application_detail(request, *args, **kwargs):
    raise Http404


def review(request, *args, **kwargs):
    raise Http404


def assign(request, *args, **kwargs):
    raise Http404


def assignment_end(request, *args, **kwargs):
    raise Http404


def decide(request, *args, **kwargs):
    raise Http404


def reopen(request, *args, **kwargs):
    raise Http404


def score_history(request, *args, **kwargs):
    raise Http404
