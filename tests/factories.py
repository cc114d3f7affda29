"""factory_boy factories of the floor: users, organizations and memberships."""

import factory
from allauth.account.models import EmailAddress
from django_scopes import scope

from cpo_portal.accounts.models import User
from cpo_portal.tenancy.models import Membership, Organization, Role

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    """A user who can sign in: password set, e-mail address verified."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


class OrganizationFactory(factory.django.DjangoModelFactory):
    """An organization without members; use organization_create for one with an owner."""

    class Meta:
        model = Organization

    legal_name = factory.Sequence(lambda n: f"Company {n} GmbH")
    display_name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")
    legal_form = "GmbH"
    country = "DE"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Membership.objects is scoped: creating one needs its organization's scope.
        with scope(organization=kwargs["organization"]):
            return super()._create(model_class, *args, **kwargs)


def make_office(user: User, *roles: str) -> User:
    """Give `user` office roles (all three unless named): the groups an office administrator
    grants in the portal."""
    from django.contrib.auth.models import Group

    from cpo_portal.accounts.models import OFFICE_ROLE_GROUPS, OfficeRole

    wanted = [OfficeRole(role) for role in roles] or list(OfficeRole)
    user.groups.add(*Group.objects.filter(name__in=[OFFICE_ROLE_GROUPS[r] for r in wanted]))
    # Django caches a user's permissions on the instance.
    for cache in ("_perm_cache", "_group_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)
    return user
