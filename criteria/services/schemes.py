"""Changes to the assessment schemes of a draft: pass rule parameters, titles, the mapping.

Like every content change, each one is refused once the version is published (`ensure_draft`).
"""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cpo_portal.accounts.models import User
from cpo_portal.activity.services import activity_record
from cpo_portal.errors import DomainError

from ..models import AssessmentCriterion, AssessmentScheme, Criterion
from .catalogue import ensure_draft, mark_edited


@transaction.atomic
def scheme_save(*, scheme: AssessmentScheme, by: User | None, **fields: Any) -> AssessmentScheme:
    """Change a scheme's titles or pass rule parameters."""
    ensure_draft(scheme.version)
    allowed = {"title_en", "title_de", "should_share", "validity_months", "surveillance_months"}
    if set(fields) - allowed:
        raise TypeError("not a scheme field")
    before = {f: str(getattr(scheme, f)) for f in fields}
    for field, value in fields.items():
        setattr(scheme, field, value)
    scheme.full_clean()
    scheme.save(update_fields=list(fields))
    mark_edited(scheme.version)
    activity_record(
        actor=by,
        verb="scheme.updated",
        target=scheme,
        data={"before": before, "after": {f: str(getattr(scheme, f)) for f in fields}},
    )
    return scheme


@transaction.atomic
def assessment_criterion_map(
    *, assessment: AssessmentCriterion, criteria: list[Criterion], by: User | None
) -> AssessmentCriterion:
    """Set which CPO criteria an assessment criterion verifies."""
    version = assessment.scheme.version
    ensure_draft(version)
    if any(c.version_id != version.pk for c in criteria):
        raise DomainError(_("A mapping can only point at criteria of the same version."))
    before = sorted(assessment.verifies.values_list("code", flat=True))
    assessment.verifies.set(criteria)
    mark_edited(version)
    activity_record(
        actor=by,
        verb="mapping.updated",
        target=assessment,
        data={"before": before, "after": sorted(c.code for c in criteria)},
    )
    return assessment
