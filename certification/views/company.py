"""Placeholder: to be implemented."""

from django.http import Http404


def application_list(request, *args, **kwargs):
    raise Http404


def application_new(request, *args, **kwargs):
    raise Http404


def application_detail(request, *args, **kwargs):
    raise Http404


def application_edit(request, *args, **kwargs):
    raise Http404


def application_submit(request, *args, **kwargs):
    raise Http404


def application_withdraw(request, *args, **kwargs):
    raise Http404


def self_assessment(request, *args, **kwargs):
    raise Http404


def self_assessment_submit(request, *args, **kwargs):
    raise Http404


def self_assessment_answer(request, *args, **kwargs):
    raise Http404


def evidence_add(request, *args, **kwargs):
    raise Http404


def evidence_remove(request, *args, **kwargs):
    raise Http404


def finding_answer(request, *args, **kwargs):
    raise Http404


def finding_evidence_add(request, *args, **kwargs):
    raise Http404
