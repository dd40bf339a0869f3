"""Demo registry for `seed_demo`: the Qiantang districts, ten spectra and their enterprises.

4,450 enterprises of Hangzhou's 钱塘区 (and the former Jianggan streets now in 上城区) in ten
spectra; the demo enterprise user is a member of the story's company, the labour and supply
officers hold 钱塘区. Leaves "spectra", "story_spectrum" and "story_enterprise" in
`demo.things` for the apps seeded after it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from portal.demo import RANDOM_SEED, Demo, DemoError, mobile, person_name
from portal.models import User
from portal.services import tracked_bulk_create

from . import services
from .models import District, Enterprise, Industry, Jurisdiction, Membership, Spectrum
from .reference import load_districts
from .validators import CREDIT_CODE_ALPHABET, credit_code_check_char

DEFAULT_ENTERPRISES = 4450
KEY_PROJECT_SHARE = 0.05
BULK_CHUNK = 1000

QIANTANG = "330114"
SHANGCHENG = "330102"

# Streets and a few of their roads. Weights follow where Qiantang's companies cluster: the
# Xiasha and Baiyang industrial parks; a share sits in the former Jianggan streets.
STREETS: tuple[tuple[str, str, str, float, tuple[str, ...]], ...] = (
    (
        QIANTANG,
        "330114001",
        "下沙街道",
        26,
        ("6号大街", "11号大街", "12号大街", "学林街", "文泽路", "福城路", "海达南路", "金沙大道"),
    ),
    (
        QIANTANG,
        "330114002",
        "白杨街道",
        24,
        ("6号大街", "20号大街", "23号大街", "科技园路", "学源街", "文渊路", "松乔街", "银海街"),
    ),
    (QIANTANG, "330114003", "河庄街道", 9, ("江东大道", "河庄大道", "青西三路", "青西二路")),
    (QIANTANG, "330114004", "义蓬街道", 8, ("义蓬路", "江东一路", "塘新线", "义府大街")),
    (QIANTANG, "330114005", "新湾街道", 6, ("新湾路", "青六中路", "纬一路", "经五路")),
    (QIANTANG, "330114006", "临江街道", 8, ("临江大道", "纬十路", "经六路", "红十五线")),
    (QIANTANG, "330114007", "前进街道", 4, ("前进路", "江东三路", "纬九路")),
    (SHANGCHENG, "330102018", "九堡街道", 6, ("九堡大道", "九环路", "杭海路", "德胜东路")),
    (SHANGCHENG, "330102015", "彭埠街道", 3, ("彭埠路", "新塘路", "机场路", "艮山东路")),
    (SHANGCHENG, "330102017", "丁兰街道", 2, ("丁兰路", "华中路", "大农港路")),
    (SHANGCHENG, "330102016", "笕桥街道", 2, ("笕桥路", "天城路", "机场路")),
    (SHANGCHENG, "330102014", "四季青街道", 2, ("钱江路", "新业路", "富春路")),
)
COUNTY_NAMES = {QIANTANG: "钱塘区", SHANGCHENG: "上城区"}

# Epidemic risk grades set once so the gates of later features have something to show.
RISK_LEVELS = (("330102018", District.RiskLevel.MEDIUM), ("230104", District.RiskLevel.HIGH))


@dataclass(frozen=True)
class SpectrumPlan:
    name: str
    description: str
    # (GB/T 4754-2017 class, how many of its companies in every 10, words for their names)
    industries: tuple[tuple[str, int, tuple[str, ...]], ...]


SPECTRA: tuple[SpectrumPlan, ...] = (
    SpectrumPlan(
        "生物医药谱系",
        "原料药、化学制剂、生物药品与医疗器械企业",
        (
            ("2710", 2, ("药业", "制药", "医药化工")),
            ("2720", 2, ("制药", "药业")),
            ("2740", 1, ("中药", "药业")),
            ("2761", 2, ("生物科技", "生物医药", "生物技术")),
            ("2762", 1, ("生物制品", "疫苗")),
            ("2770", 1, ("医用材料", "卫生材料")),
            ("3581", 1, ("医疗器械", "医疗科技")),
            ("3589", 1, ("医疗器械", "医疗设备")),
            ("7340", 1, ("医学检验", "医药研究院")),
        ),
    ),
    SpectrumPlan(
        "智能制造谱系",
        "工业机器人、数控机床、泵阀与自动化装备企业",
        (
            ("3491", 1, ("机器人", "智能装备")),
            ("3425", 1, ("数控机床", "精密机械")),
            ("3441", 1, ("泵业", "真空设备")),
            ("3444", 1, ("液压", "流体控制")),
            ("3463", 1, ("净化设备", "环保设备")),
            ("3484", 2, ("精密机械", "机械制造", "五金机械")),
            ("3523", 1, ("塑料机械", "智能装备")),
            ("3811", 1, ("电机", "动力设备")),
            ("3891", 1, ("自动化", "电气")),
        ),
    ),
    SpectrumPlan(
        "汽车零部件谱系",
        "整车配套的零部件、车身与车载电子企业",
        (
            ("3670", 5, ("汽车零部件", "汽车部件", "汽配", "传动科技")),
            ("3660", 1, ("车身", "专用车")),
            ("3612", 1, ("新能源汽车", "电动汽车")),
            ("3962", 1, ("汽车电子", "车联网科技")),
            ("2929", 1, ("塑胶制品", "汽车内饰")),
            ("3483", 1, ("弹簧", "精密部件")),
        ),
    ),
    SpectrumPlan(
        "半导体谱系",
        "集成电路设计、制造与电子元器件企业",
        (
            ("6520", 2, ("微电子", "集成电路设计", "芯片技术")),
            ("3973", 1, ("集成电路", "半导体")),
            ("3972", 2, ("半导体", "电子器件")),
            ("3976", 1, ("光电科技", "光电子")),
            ("3974", 1, ("显示科技", "光电")),
            ("3982", 1, ("电路科技", "电子")),
            ("3981", 1, ("电子元件", "电子")),
            ("3985", 1, ("电子材料", "半导体材料")),
        ),
    ),
    SpectrumPlan(
        "新材料谱系",
        "高分子、专用化学品、合金与线缆材料企业",
        (
            ("2651", 2, ("新材料", "高分子材料", "树脂")),
            ("2669", 2, ("化工", "精细化工", "材料科技")),
            ("2642", 1, ("油墨", "涂料")),
            ("3252", 1, ("铝业", "金属材料")),
            ("3099", 1, ("复合材料", "新材料")),
            ("3340", 1, ("金属制品", "钢丝绳")),
            ("3831", 1, ("线缆", "电缆")),
            ("3833", 1, ("光缆", "光通信")),
        ),
    ),
    SpectrumPlan(
        "物流仓储谱系",
        "仓储、道路货运、城市配送与供应链服务企业",
        (
            ("5920", 2, ("仓储", "仓储服务")),
            ("5990", 1, ("物流", "仓储管理")),
            ("5431", 2, ("物流", "运输", "货运")),
            ("5432", 1, ("冷链物流", "冷链运输")),
            ("5437", 1, ("城市配送", "速运")),
            ("5821", 1, ("货运代理", "国际货运代理")),
            ("6020", 1, ("快递", "速递")),
            ("7224", 1, ("供应链管理", "供应链")),
        ),
    ),
    SpectrumPlan(
        "商贸服务谱系",
        "批发零售、商场超市与商业服务企业",
        (
            ("5211", 1, ("百货", "商厦")),
            ("5212", 1, ("超市", "连锁超市")),
            ("5213", 1, ("便利店", "便利连锁")),
            ("5219", 1, ("商贸", "商业")),
            ("5131", 1, ("纺织品", "针织")),
            ("5165", 1, ("建材", "建材贸易")),
            ("5174", 1, ("五金", "五金机电")),
            ("5176", 1, ("电脑", "电子商务")),
            ("5179", 1, ("机电设备", "贸易")),
            ("5261", 1, ("汽车销售", "汽车服务")),
        ),
    ),
    SpectrumPlan(
        "建筑工程谱系",
        "房屋建筑、市政道路、安装与装饰工程企业",
        (
            ("4710", 2, ("建设", "建筑工程")),
            ("4790", 1, ("建设", "建工")),
            ("4813", 2, ("市政工程", "市政建设")),
            ("4819", 1, ("路桥工程", "交通建设")),
            ("4851", 1, ("电力工程", "线路工程")),
            ("4910", 1, ("电气安装", "机电安装")),
            ("4920", 1, ("安装工程", "管道工程")),
            ("5011", 1, ("装饰工程", "幕墙工程", "建筑装饰")),
        ),
    ),
    SpectrumPlan(
        "软件信息谱系",
        "软件开发、系统集成、数据与物联网服务企业",
        (
            ("6513", 3, ("信息技术", "软件", "网络科技")),
            ("6511", 1, ("软件", "软件技术")),
            ("6531", 2, ("信息技术", "智能科技", "系统集成")),
            ("6532", 1, ("物联网科技", "智联科技")),
            ("6550", 1, ("数据科技", "云计算")),
            ("6560", 1, ("信息咨询", "数字科技")),
            ("6450", 1, ("大数据", "数据服务")),
        ),
    ),
    SpectrumPlan(
        "食品加工谱系",
        "肉制品、水产、粮油、乳品与饮料企业",
        (
            ("1353", 1, ("食品", "肉食品")),
            ("1361", 1, ("水产", "冷冻食品")),
            ("1371", 1, ("农产品", "果蔬")),
            ("1392", 1, ("豆制品", "食品")),
            ("1419", 1, ("食品", "烘焙")),
            ("1431", 1, ("粮油", "面业")),
            ("1432", 1, ("速冻食品", "食品")),
            ("1441", 1, ("乳业", "乳品")),
            ("1491", 1, ("营养食品", "生物科技")),
            ("1524", 1, ("饮品", "饮料")),
        ),
    ),
)
SOFTWARE_SPECTRUM = 8  # 软件信息谱系: served by the demo liaison, home of the story's company

# The company the story visits: first of the plan, so the demo enterprise user acts for it.
STORY_ENTERPRISE = {
    "name": "杭州平治信息技术有限公司",
    "industry": "6513",
    "street": "330114002",
    "contact_name": "董叶明",
    "employee_count": 230,
}

TRADE_FIRST = "华恒鼎瑞嘉博中天宏新金永康盛信润凯聚海启德安明锦正立汇友东元"
TRADE_SECOND = "远通盛丰泰达诚源和创辉越晟禾邦驰拓维科瀚顺利祥昌航睿升宇星"


# --- the plan: pure, deterministic data -----------------------------------------------------


def credit_code(county: str, serial: int, rng: random.Random) -> str:
    """A valid GB 32100-2015 code for an enterprise (91) registered in `county`.

    Five characters of the organisation code are an affine map of `serial` modulo 31^5 with
    a multiplier prime to 31, a bijection: codes are unique by construction yet look scattered.
    """
    space = 31**5
    value = (serial * 12_582_917 + 1_234_567) % space
    digits = ""
    for _position in range(5):
        value, rest = divmod(value, 31)
        digits = CREDIT_CODE_ALPHABET[rest] + digits
    body = f"91{county}MA2{digits}{rng.choice(CREDIT_CODE_ALPHABET)}"
    return body + credit_code_check_char(body)


def employee_count(rng: random.Random, *, key_project: bool) -> int:
    if key_project:
        return rng.randint(300, 2600)
    # Mostly small firms, a long tail of large ones (median about 30).
    return max(3, min(3000, round(rng.lognormvariate(3.4, 1.0))))


@dataclass(frozen=True)
class EnterprisePlan:
    credit_code: str
    name: str
    legal_representative: str
    industry: str
    street: str
    address: str
    contact_name: str
    contact_phone: str
    employee_count: int
    is_key_project: bool
    spectrum: int  # index into SPECTRA


def plan_enterprises(count: int, *, seed: int = RANDOM_SEED) -> list[EnterprisePlan]:
    """`count` enterprises spread evenly over the spectra; the same list for the same seed."""
    if count < len(SPECTRA):
        raise ValueError(f"at least {len(SPECTRA)} enterprises, one per spectrum")
    rng = random.Random(seed)
    key = set(rng.sample(range(1, count), min(count - 1, round(count * KEY_PROJECT_SHARE))))
    spectra = [index % len(SPECTRA) for index in range(count)]
    rng.shuffle(spectra)
    streets = list(STREETS)
    weights = [street[3] for street in STREETS]
    by_code = {street[1]: street for street in STREETS}
    names: set[str] = {STORY_ENTERPRISE["name"]}
    plans = []
    for index in range(count):
        story = index == 0
        spectrum_index = SOFTWARE_SPECTRUM if story else spectra[index]
        if story and spectra[index] != SOFTWARE_SPECTRUM:
            # Keep the spread even: give the slot the story company took to another one.
            other = spectra.index(SOFTWARE_SPECTRUM, 1)
            spectra[other] = spectra[index]
        spec = SPECTRA[spectrum_index]
        industry, _weight, words = rng.choices(spec.industries, [i[1] for i in spec.industries])[0]
        street = by_code[STORY_ENTERPRISE["street"]] if story else rng.choices(streets, weights)[0]
        county, street_code, street_name, _share, roads = street
        is_key = index in key
        staff = employee_count(rng, key_project=is_key)
        if story:
            name, industry = STORY_ENTERPRISE["name"], STORY_ENTERPRISE["industry"]
        else:
            while True:
                trade = rng.choice(TRADE_FIRST) + rng.choice(TRADE_SECOND)
                region = "浙江" if staff >= 500 and rng.random() < 0.5 else "杭州"
                form = "股份有限公司" if staff >= 800 and rng.random() < 0.4 else "有限公司"
                name = f"{region}{trade}{rng.choice(words)}{form}"
                if name not in names:
                    break
        names.add(name)
        number = rng.randint(1, 1200)
        room = f"{rng.randint(1, 12)}幢{rng.randint(1, 12)}{rng.randint(1, 20):02d}室"
        address = (
            f"浙江省杭州市{COUNTY_NAMES[county]}{street_name}{rng.choice(roads)}{number}号"
            + (room if rng.random() < 0.5 else "")
        )
        plans.append(
            EnterprisePlan(
                credit_code=credit_code(county, index, rng),
                name=name,
                legal_representative=person_name(rng),
                industry=industry,
                street=street_code,
                address=address,
                contact_name=STORY_ENTERPRISE["contact_name"] if story else person_name(rng),
                contact_phone=mobile(rng),
                employee_count=STORY_ENTERPRISE["employee_count"] if story else staff,
                is_key_project=is_key,
                spectrum=spectrum_index,
            )
        )
    return plans


# --- writing it -----------------------------------------------------------------------------


def districts_seed() -> int:
    created = load_districts(actor=None)
    for code, level in RISK_LEVELS:
        district = District.objects.filter(code=code).first()
        # Only once: a grade an official set since then is theirs to keep.
        if district and district.risk_since is None and district.risk_level != level:
            services.district_set_risk_level(
                district=district, risk_level=level, actor=None
            )
    return created


def spectra_seed() -> tuple[list[Spectrum], int]:
    qiantang = District.objects.get(code=QIANTANG)
    existing = {s.name: s for s in Spectrum.objects.filter(district=qiantang)}
    spectra, created = [], 0
    for plan in SPECTRA:
        spectrum = existing.get(plan.name)
        if spectrum is None:
            spectrum = services.spectrum_create(
                actor=None, name=plan.name, district=qiantang, description=plan.description
            )
            created += 1
        spectra.append(spectrum)
    return spectra, created


def enterprises_seed(plans: list[EnterprisePlan], spectra: list[Spectrum]) -> int:
    """Write the planned enterprises that are missing, validated, in journaled chunks."""
    codes = [plan.credit_code for plan in plans]
    existing: set[str] = set()
    for start in range(0, len(codes), BULK_CHUNK):
        existing.update(
            Enterprise.objects.filter(
                credit_code__in=codes[start : start + BULK_CHUNK]
            ).values_list("credit_code", flat=True)
        )
    missing = [plan for plan in plans if plan.credit_code not in existing]
    if not missing:
        return 0
    districts = District.objects.in_bulk({plan.street for plan in missing})
    objs = []
    for plan in missing:
        obj = Enterprise(
            credit_code=plan.credit_code,
            name=plan.name,
            legal_representative=plan.legal_representative,
            industry_id=plan.industry,
            district=districts[plan.street],
            address=plan.address,
            contact_name=plan.contact_name,
            contact_phone=plan.contact_phone,
            employee_count=plan.employee_count,
            is_key_project=plan.is_key_project,
            spectrum=spectra[plan.spectrum],
        )
        # The related rows were just read or come from the shipped reference data, and the
        # codes are unique by construction: checking each one again would cost a query apiece.
        obj.full_clean(exclude=["industry", "district", "spectrum"], validate_unique=False)
        objs.append(obj)
    _check_industries({plan.industry for plan in missing})
    for start in range(0, len(objs), BULK_CHUNK):
        tracked_bulk_create(
            Enterprise,
            objs[start : start + BULK_CHUNK],
            actor=None,
            action="enterprises.enterprise.created",
        )
    return len(objs)


def _check_industries(codes: set[str]) -> None:
    known = set(Industry.objects.filter(code__in=codes).values_list("code", flat=True))
    if codes - known:
        raise LookupError(f"industry classes missing: {sorted(codes - known)}")


def _membership_seed(user: User, enterprise: Enterprise) -> int:
    if Membership.objects.filter(user=user).exists():
        return 0
    services.membership_add(
        user=user, enterprise=enterprise, actor=None, title="副总经理"
    )
    return 1


def _jurisdictions_seed(users: dict[str, User]) -> int:
    qiantang = District.objects.get(code=QIANTANG)
    created = 0
    for username in ("labor_officer", "supply_officer"):
        user = users[username]
        if not Jurisdiction.objects.filter(user=user, district=qiantang).exists():
            services.jurisdiction_add(user=user, district=qiantang, actor=None)
            created += 1
    return created


def add_arguments(parser) -> None:
    parser.add_argument(
        "--enterprises",
        type=int,
        default=DEFAULT_ENTERPRISES,
        help=f"how many demo enterprises (default {DEFAULT_ENTERPRISES})",
    )


def seed(demo: Demo) -> None:
    """The registry: districts, spectra, enterprises, the story's member and the officers'
    jurisdiction."""
    count = demo.options.get("enterprises", DEFAULT_ENTERPRISES)
    if count < len(SPECTRA):
        raise DemoError(f"--enterprises must be at least {len(SPECTRA)}")
    plans = plan_enterprises(count, seed=demo.random_seed)
    demo.count("districts", districts_seed())
    spectra, created = spectra_seed()
    demo.count("spectra", created)
    demo.count("enterprises", enterprises_seed(plans, spectra))
    story = Enterprise.objects.get(credit_code=plans[0].credit_code)
    member = demo.users["enterprise"]
    demo.count("memberships", _membership_seed(member, story))
    demo.count("jurisdictions", _jurisdictions_seed(demo.users))
    demo.things.update(
        spectra=spectra, story_spectrum=spectra[SOFTWARE_SPECTRUM], story_enterprise=story
    )
    demo.describe("enterprise", f"member of {story.name} only")
    demo.describe("labor_officer", "trips and workers of 钱塘区")
    demo.describe("supply_officer", "enterprises and stock of 钱塘区")
