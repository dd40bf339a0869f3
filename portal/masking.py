"""Masks for personal data shown to people who need only to recognise it."""


def mask_phone(value: str | None) -> str | None:
    if not value:
        return value
    return (
        value[:3] + "*" * max(len(value) - 7, 0) + value[-4:]
        if len(value) > 7
        else "*" * len(value)
    )


def mask_id_number(value: str | None) -> str | None:
    if not value:
        return value
    return (
        value[:6] + "*" * max(len(value) - 10, 0) + value[-4:]
        if len(value) > 10
        else "*" * len(value)
    )
