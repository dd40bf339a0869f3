"""Who may read the liaison service's own figures."""

from rest_framework.permissions import BasePermission

from portal.roles import Role


class IsOfficial(BasePermission):
    """Liaison officials and administrators (the figures are about their work)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_role(Role.LIAISON, Role.ADMIN))
