"""Carry existing rows into the new shape:

- every finding gets its history as steps, from the stamps it already had (raised, answered,
  closed: a closed nonconformity was verified effective, a closed observation acknowledged);
- every product certificate names the organizational certificate of its holder that was in
  force (or most recently issued) when it was issued;
- a certification policy nobody has changed gets the new default: product certificates are
  suspended automatically with the organizational one. A policy an office member saved
  keeps its setting.
"""

from django.db import migrations

NONCONFORMITIES = ("major", "minor")


def forward(apps, schema_editor):
    Finding = apps.get_model("certification", "Finding")
    FindingStep = apps.get_model("certification", "FindingStep")
    Certificate = apps.get_model("certification", "Certificate")
    Policy = apps.get_model("certification", "CertificationPolicy")

    steps = []
    for finding in Finding._base_manager.order_by("pk").iterator():
        steps.append(
            FindingStep(
                finding_id=finding.pk,
                step="raised",
                data={
                    "kind": finding.kind,
                    "description": finding.description,
                    "due_date": finding.due_date.isoformat() if finding.due_date else None,
                },
                by_id=finding.raised_by_id,
                at=finding.raised_at,
            )
        )
        if finding.answered_at:
            steps.append(
                FindingStep(
                    finding_id=finding.pk,
                    step="answered",
                    data={"corrective_action": finding.corrective_action},
                    by_id=finding.answered_by_id,
                    at=finding.answered_at,
                )
            )
        if finding.closed_at:
            steps.append(
                FindingStep(
                    finding_id=finding.pk,
                    step="accepted" if finding.kind in NONCONFORMITIES else "closed",
                    data={"note": finding.verification_note},
                    by_id=finding.closed_by_id,
                    at=finding.closed_at,
                )
            )
    FindingStep._base_manager.bulk_create(steps, batch_size=500)

    organizational = {}
    for cert in Certificate._base_manager.filter(kind="organizational").order_by("issued_on", "pk"):
        organizational.setdefault(cert.organization_id, []).append(cert)
    for product in Certificate._base_manager.filter(kind="product").order_by("pk"):
        candidates = organizational.get(product.organization_id, [])
        before = [c for c in candidates if c.issued_on <= product.issued_on]
        chosen = before[-1] if before else (candidates[0] if candidates else None)
        if chosen is not None:
            product.organizational_certificate_id = chosen.pk
            product.save(update_fields=["organizational_certificate"])

    Policy._base_manager.filter(updated_by__isnull=True).update(
        suspend_products_with_organizational=True
    )


def backward(apps, schema_editor):
    # The steps and links are derived data; the policy's old default was off.
    apps.get_model("certification", "FindingStep")._base_manager.all().delete()


class Migration(migrations.Migration):
    dependencies = [("certification", "0005_findings_complaints_appeals_certificate")]

    operations = [migrations.RunPython(forward, backward)]
