"""Registry factories: each object is made through its service, so it is journaled."""

import itertools

from enterprises import services
from enterprises.models import District
from enterprises.validators import CREDIT_CODE_ALPHABET, credit_code_check_char

_serial = itertools.count(1)


def credit_code(serial: int | None = None, division: str = "330114") -> str:
    """A valid unified social credit code (GB 32100-2015) for a company in `division`."""
    serial = next(_serial) if serial is None else serial
    body = f"91{division}{serial:08d}"  # 2 + 6 + 8 characters
    body = body + "X"  # ninth character of the organisation code
    return body + credit_code_check_char(body)


def invalid_credit_code(serial: int | None = None, division: str = "330114") -> str:
    """A code of the right shape whose check character is wrong, whatever the serial: the
    valid code's check character moved on by one place in the alphabet."""
    valid = credit_code(serial, division)
    wrong = CREDIT_CODE_ALPHABET[(CREDIT_CODE_ALPHABET.index(valid[17]) + 1) % 31]
    return valid[:17] + wrong


def district(code="330114", name="钱塘区", level=District.Level.COUNTY, parent=None, actor=None):
    existing = District.objects.filter(code=code).first()
    if existing:
        return existing
    if parent is None and level != District.Level.PROVINCE:
        parent = district("330100", "杭州市", District.Level.CITY, province(), actor)
    return services.district_create(actor=actor, code=code, name=name, level=level, parent=parent)


def province(actor=None):
    existing = District.objects.filter(code="330000").first()
    return existing or services.district_create(
        actor=actor, code="330000", name="浙江省", level=District.Level.PROVINCE
    )


def spectrum(name="智能制造谱系", district_obj=None, actor=None):
    return services.spectrum_create(actor=actor, name=name, district=district_obj or district())


def enterprise(actor=None, **overrides):
    serial = next(_serial)
    fields = {
        "credit_code": credit_code(serial),
        "name": f"杭州测试企业{serial}有限公司",
        "legal_representative": "董叶明",
        "industry_id": "6513",
        "district": overrides.pop("district", None) or district(),
        "address": "杭州市钱塘区白杨街道6号大街",
        "contact_name": "张弛",
        "contact_phone": "13812345678",
        "employee_count": 120,
    }
    fields.update(overrides)
    return services.enterprise_create(actor=actor, **fields)
