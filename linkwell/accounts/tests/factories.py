import factory

from linkwell.accounts.models import Organisation, OrganisationKind, Role, Team, User


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.SOCIAL_PRESCRIBING_SERVICE
    ods_code = factory.Maybe(
        factory.LazyAttribute(lambda o: o.kind == OrganisationKind.GP_PRACTICE),
        yes_declaration=factory.Sequence(lambda n: f"Y{n:05d}"),
        no_declaration=None,
    )


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = Role.LINK_WORKER
    organisation = factory.LazyAttribute(lambda u: u.team.organisation if u.team else None)
    team = None
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


def totp_device_for(user: User, *, confirmed: bool = True):
    """An authenticator-app device for the user, as if they had scanned the QR code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=confirmed)


def totp_code(device) -> str:
    """The code the person's authenticator app shows right now for the device."""
    from django_otp.oath import totp

    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{value:0{device.digits}d}"
