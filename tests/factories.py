"""Factories shared by every app's tests: users of each role. State goes through services."""

import factory
from django.contrib.auth.models import Group

from portal.models import User
from portal.roles import Role

PASSWORD = "Correct-Horse-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))
            self.forget_roles()
        self.save()


def user_with(*roles: str, **kwargs) -> User:
    return UserFactory(roles=list(roles), **kwargs)


ALL_ROLES = [role.value for role in Role]
