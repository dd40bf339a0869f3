import pytest
from django.core.exceptions import ValidationError

from enterprises.validators import (
    credit_code_check_char,
    normalize_mobile,
    validate_credit_code,
    validate_mobile,
)


def test_standard_worked_example_is_valid():
    validate_credit_code("91350100M000100Y43")


def test_wrong_check_character_is_invalid():
    with pytest.raises(ValidationError) as error:
        validate_credit_code("91350100M000100Y44")
    assert error.value.code == "credit_code_check"


@pytest.mark.parametrize(
    "code", ["91350100M000100Y4", "91350100I000100Y43", "9135010AM000100Y43", ""]
)
def test_malformed_credit_codes_are_rejected(code):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert error.value.code == "credit_code_format"


def test_letters_allowed_in_registration_department_and_type():
    """python-stdnum wrongly requires digits in the first two positions (DESIGN §7)."""
    body = "N2330114MA2B3C4D5"
    validate_credit_code(body + credit_code_check_char(body))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("13812345678", "13812345678"),
    ],
)
def test_mobile_prefixes_are_stripped(raw, expected):
    assert normalize_mobile(raw) == expected
    validate_mobile(normalize_mobile(raw))


@pytest.mark.parametrize("number", ["12812345678", "1381234567", "23812345678", "138123456789"])
def test_bad_mobile_numbers_are_rejected(number):
    with pytest.raises(ValidationError):
        validate_mobile(number)
