"""Token authentication that reads the token and its user with one plain query.

`Authorization: Token <secret>`; the secret's SHA-256 digest finds the token (`portal.tokens`).
Every API request authenticates, so the token and its user are read by one fixed statement,
its values converted by the fields' own database converters as the ORM would, rather than
by a query the ORM builds on every request. A use restarts the token's idle lifetime: that
is one more statement at most once a minute per token.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from portal import tokens
from portal.models import ApiToken

# The token's columns read with its user, in the model's field order (the digest aside).
TOKEN_FIELDS = ("id", "name", "prefix", "created_at", "last_used_at", "expires_at")


@cache
def _statement(user_model, alias: str):
    """The SQL, the user's and the token's field names in column order, and the converters
    of each column (as the ORM's compiler finds them) by position."""
    connection = connections[alias]
    q = connection.ops.quote_name
    meta, token = user_model._meta, ApiToken._meta
    token_fields = [token.get_field(name) for name in TOKEN_FIELDS]
    fields = [*meta.concrete_fields, *token_fields]
    sql = (
        f"SELECT {', '.join(f'u.{q(field.column)}' for field in meta.concrete_fields)},"
        f" {', '.join(f't.{q(field.column)}' for field in token_fields)}"
        f" FROM {q(token.db_table)} t"
        f" INNER JOIN {q(meta.db_table)} u"
        f" ON u.{q(meta.pk.column)} = t.{q(token.get_field('user').column)}"
        f" WHERE t.{q(token.get_field('digest').column)} = %s"
    )
    converters = []
    for position, field in enumerate(fields):
        column = field.get_col(field.model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((position, found, column))
    return sql, [field.attname for field in meta.concrete_fields], converters


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <secret>`, answering as DRF's does; expired tokens are 401."""

    model = ApiToken

    def authenticate_credentials(self, key):
        user_model = get_user_model()
        alias = router.db_for_read(user_model)
        connection = connections[alias]
        sql, names, converters = _statement(user_model, alias)
        with connection.cursor() as cursor:
            cursor.execute(sql, [tokens.digest(key)])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        row = list(row)
        for position, found, column in converters:
            for converter in found:
                row[position] = converter(row[position], column, connection)
        values, token_values = row[: len(names)], row[len(names):]
        user = user_model.from_db(alias, names, values)
        # from_db takes values in the model's field order: id, user, then the others.
        token = ApiToken.from_db(
            alias, [*TOKEN_FIELDS, "user_id"], [token_values[0], user.pk, *token_values[1:]]
        )
        token.user = user
        now = timezone.now()
        if tokens.expired(token, now):
            raise exceptions.AuthenticationFailed(_("Token has expired."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        tokens.touch(token, now)
        return user, token
