"""Demo data of the floor: an office user (all three office roles), a certifier, an auditor,
and one organization per group.

Feature apps add theirs in a `demo.py` module with a `seed(context)` function; the
`seed_demo` command finds them, so the floor imports no feature app.
"""

from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.db import transaction

from cpo_portal.accounts.models import OFFICE_ROLE_GROUPS, OfficeRole, User
from cpo_portal.accounts.services.personnel import auditor_create
from cpo_portal.tenancy.models import Organization
from cpo_portal.tenancy.services import organization_create

DEMO_PASSWORD = "cpo-demo-2026"
# A fixed TOTP secret (base32) so demo office and auditor logins can be reproduced with
# any authenticator app or `oathtool --totp -b <secret>`. Demo data only.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

DEMO_ORGANIZATIONS = [
    # (slug hint, legal name, legal form, country, website, group, owner e-mail)
    (
        "Nordwerk Automotive",
        "Nordwerk Automotive AG",
        "AG",
        "DE",
        "https://nordwerk.example",
        "it_customer",
        "owner@nordwerk.example",
    ),
    (
        "Plexa Software",
        "Plexa Software GmbH",
        "GmbH",
        "DE",
        "https://plexa.example",
        "it_vendor",
        "owner@plexa.example",
    ),
    (
        "Integra Consulting",
        "Integra Consulting B.V.",
        "B.V.",
        "NL",
        "https://integra.example",
        "it_service_provider",
        "owner@integra.example",
    ),
]


@dataclass
class DemoContext:
    office: User
    auditor: User
    # Office roles: a certifier and nothing else, to show the four-eyes rule.
    certifier: User | None = None
    organizations: dict[str, tuple[Organization, str]] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def _user(email: str, name: str, **extra: Any) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=DEMO_PASSWORD, full_name=name, **extra
        )
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _with_mfa(user: User) -> None:
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
        RecoveryCodes.activate(user)


@transaction.atomic
def seed() -> DemoContext:
    office = _user("office@cpo-portal.example", "Olga Office", is_staff=True)
    office.groups.add(*Group.objects.filter(name__in=OFFICE_ROLE_GROUPS.values()))
    _with_mfa(office)
    auditor_user = _user("auditor@cpo-portal.example", "Arne Auditor")
    auditor_create(user=auditor_user, by=office, organisation_name="Demo Audit Services")
    _with_mfa(auditor_user)
    # Office roles: a certifier only, who may decide where the office user audited.
    certifier = _user("certifier@cpo-portal.example", "Cora Certifier")
    certifier.groups.add(Group.objects.get(name=OFFICE_ROLE_GROUPS[OfficeRole.CERTIFIER]))
    _with_mfa(certifier)
    ctx = DemoContext(office=office, auditor=auditor_user, certifier=certifier)
    ctx.logins += [
        (office.email, "CPO office, every role (TOTP required)", DEMO_PASSWORD),
        (certifier.email, "CPO office, certifier only (TOTP required)", DEMO_PASSWORD),
        (auditor_user.email, "auditor (TOTP required)", DEMO_PASSWORD),
    ]
    for name, legal, form, country, web, group, owner_email in DEMO_ORGANIZATIONS:
        owner = _user(owner_email, f"Owner of {name}")
        org = Organization.objects.filter(legal_name=legal).first()
        if org is None:
            org = organization_create(
                by=owner,
                legal_name=legal,
                display_name=name,
                legal_form=form,
                country=country,
                website=web,
            )
        ctx.organizations[group] = (org, owner_email)
        ctx.logins.append(
            (owner_email, f"owner of {name} ({group.replace('_', ' ')})", DEMO_PASSWORD)
        )
    return ctx
