"""Placeholder: to be implemented."""

from django.http import Http404


def audit_list(request, *args, **kwargs):
    raise Http404


def auditor_profile(request, *args, **kwargs):
    raise Http404


def conflict_remove(request, *args, **kwargs):
    raise Http404


def audit_sheet(request, *args, **kwargs):
    raise Http404


def score_save(request, *args, **kwargs):
    raise Http404


def audit_summary(request, *args, **kwargs):
    raise Http404


def finding_new(request, *args, **kwargs):
    raise Http404


def finding_close(request, *args, **kwargs):
    raise Http404


def finding_reopen(request, *args, **kwargs):
    raise Http404


def request_corrections(request, *args, **kwargs):
    raise Http404


def resume_audit(request, *args, **kwargs):
    raise Http404


def report(request, *args, **kwargs):
    raise Http404


def decline(request, *args, **kwargs):
    raise Http404
