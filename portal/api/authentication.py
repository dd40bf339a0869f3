"""Token authentication that reads the token's user with one plain query.

Every API request authenticates, so DRF's `Token.objects.select_related("user").get(key=...)`
is built by the ORM on every request; the same read as a fixed statement, its values
converted by the fields' own database converters as the ORM would, costs a fraction of
that. Answers and messages are DRF's own.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token


@cache
def _statement(user_model, alias: str):
    """The SQL, the user's fields in its column order, and the converters of each column
    (as the ORM's compiler finds them) by position."""
    connection = connections[alias]
    q = connection.ops.quote_name
    meta, token = user_model._meta, Token._meta
    fields = [*meta.concrete_fields, token.get_field("created")]
    sql = (
        f"SELECT {', '.join(f'u.{q(field.column)}' for field in meta.concrete_fields)},"
        f" t.{q(token.get_field('created').column)}"
        f" FROM {q(token.db_table)} t"
        f" INNER JOIN {q(meta.db_table)} u"
        f" ON u.{q(meta.pk.column)} = t.{q(token.get_field('user').column)}"
        f" WHERE t.{q(token.pk.column)} = %s"
    )
    converters = []
    for position, field in enumerate(fields):
        column = field.get_col(field.model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((position, found, column))
    return sql, [field.attname for field in meta.concrete_fields], converters


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's, for the default Token model."""

    def authenticate_credentials(self, key):
        if self.get_model() is not Token:  # pragma: no cover - a custom token model
            return super().authenticate_credentials(key)
        user_model = get_user_model()
        alias = router.db_for_read(user_model)
        connection = connections[alias]
        sql, names, converters = _statement(user_model, alias)
        with connection.cursor() as cursor:
            cursor.execute(sql, [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        row = list(row)
        for position, found, column in converters:
            for converter in found:
                row[position] = converter(row[position], column, connection)
        *values, created = row
        user = user_model.from_db(alias, names, values)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = Token.from_db(alias, ["key", "user_id", "created"], [key, user.pk, created])
        token.user = user
        return user, token
