"""The whole organizational path through the services, start to decision."""

from certification import services
from certification.models import ApplicationStatus


def test_whole_path_to_grant(reported, office2):
    decided = services.application_decide(
        application=reported, decision="grant", rationale="Report is conclusive.", by=office2
    )
    assert decided.status == ApplicationStatus.DECIDED
    assert decided.decision == "grant"
