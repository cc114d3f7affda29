"""/community/: what the CPO Community is, who may join, and where everything is."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from criteria.groups import SigneeGroup

from .. import selectors


def home(request: HttpRequest) -> HttpResponse:
    counts = selectors.community_counts_per_group()
    groups = [(group.label, counts.get(group.value, 0)) for group in SigneeGroup]
    conference = selectors.published_conference()
    election = selectors.current_election()
    return render(
        request,
        "community/home.html",
        {
            "groups": groups,
            "total": sum(counts.values()),
            "conference": conference,
            "election": election,
        },
    )
