"""The prevention commitment (防疫承诺书) an enterprise accepts when it files.

The text is versioned: a filing stores the version and the exact text that was shown, so a
later edition never changes what an enterprise signed. zh-hans is the authoritative text;
the English rendering is shown to users who chose English.
"""

from django.utils import translation

COMMITMENT_VERSION = "2020-02-v1"

TEXT_ZH = """\
企业复工复产疫情防控承诺书

为切实做好新型冠状病毒肺炎疫情防控工作，保障员工生命安全和身体健康，本企业在复工复产期间郑重承诺如下：

一、人员全面排查。复工前对全体员工逐一摸排，建立“一人一档”健康台账，掌握每名员工近14天的行程、接触史和健康状况；对来自或途经疫情重点地区的人员，严格按属地规定落实隔离观察，未满期限不安排上岗。

二、专人专款专岗。明确企业主要负责人为疫情防控第一责任人，设立防控工作专班，指定专人负责防疫工作，安排专项经费用于防疫物资和防控措施，设置专门岗位负责出入登记、体温检测和信息报送。

三、设置隔离区间。在厂区（场所）内设置相对独立、通风良好的临时隔离观察区，配备必要的防护和消毒物品，一旦发现发热或疑似症状人员，立即就地隔离并按规定送医、报告。

四、戴口罩作业。为员工配足符合要求的口罩等防护用品，员工在岗作业、通勤和集中活动时全程规范佩戴口罩；减少人员聚集，错峰就餐、分散用餐。

五、具备消毒物资。储备充足的消毒液、洗手液等消毒物资，对办公区、生产车间、食堂、宿舍、电梯、卫生间等公共区域每日定时消毒并做好记录，保持室内通风。

六、实行封闭管理。对厂区（场所）实行封闭式管理，设置出入口并严格控制，外来人员和车辆一律登记、测温、查验健康码，非必要不得进入；员工宿舍实行集中管理。

七、体温监测。对全体员工实行每日早晚两次及每班次上岗前体温检测并登记，体温达到或超过37.3℃的人员不得上岗，立即隔离并按规定报告、送医。

八、信息报送。发现疑似或确诊病例、集中发热等异常情况，第一时间向属地政府、所在街道和谱系亲情员报告，不瞒报、不迟报、不漏报；主动配合开展流行病学调查和现场核查。

九、如实承诺。本企业所填报的信息和材料真实、准确、完整，如有虚报、瞒报，或未落实上述防控措施，愿意承担相应法律责任，并接受主管部门暂停复工、撤销备案等处理。

本承诺书经企业授权代表签署后生效。
"""

TEXT_EN = """\
Epidemic prevention commitment for resuming work and production

To carry out the prevention and control of the novel coronavirus epidemic and protect the \
lives and health of our employees, this enterprise solemnly commits to the following while \
it resumes work and production:

1. Screening of all staff. Before resuming, every employee is checked individually and a \
health record kept for each, covering their travel, contacts and health over the last 14 \
days; anyone coming from or through a key epidemic area is isolated and observed as the \
local rules require and does not return to work before the period ends.

2. Dedicated staff, funds and posts. The enterprise's principal is the person first \
responsible for epidemic prevention; a prevention team is set up, named staff are in charge, \
a dedicated budget pays for protective supplies and measures, and dedicated posts handle \
entry registration, temperature checks and reporting.

3. An isolation area. A separate, well-ventilated temporary isolation area is set up on the \
premises with the necessary protective and disinfection supplies; anyone with a fever or \
suspicious symptoms is isolated there at once and sent to a clinic and reported as required.

4. Masks at work. Employees are given enough suitable masks and other protective equipment \
and wear masks properly at work, while commuting and in any gathering; gatherings are \
reduced and meals are taken in shifts and apart.

5. Disinfection supplies. Enough disinfectant and hand sanitiser are kept; offices, \
workshops, canteens, dormitories, lifts, toilets and other shared areas are disinfected at \
fixed times every day, with records, and kept ventilated.

6. Closed management. The premises are run as a closed site with controlled entrances; \
every visitor and vehicle is registered, temperature-checked and has their health code \
checked, and no one enters without need; staff dormitories are managed centrally.

7. Temperature checks. Every employee's temperature is taken and recorded twice a day and \
before every shift; anyone at or above 37.3 °C does not work, is isolated at once and is \
reported and sent to a clinic as required.

8. Reporting. Any suspected or confirmed case, cluster of fevers or other anomaly is reported \
at once to the local government, the street office and the family liaison, without \
concealment, delay or omission; the enterprise cooperates with epidemiological \
investigations and on-site checks.

9. Truthfulness. The information and documents this enterprise submits are true, accurate \
and complete. For any false or concealed report, or any failure to carry out the measures \
above, the enterprise accepts the legal consequences and any suspension of work or \
revocation of its filing by the authorities.

This commitment takes effect when signed by the enterprise's authorised representative.
"""


def text(language: str | None = None) -> str:
    """The commitment in `language` (the active language by default); zh-hans otherwise."""
    language = (language or translation.get_language() or "zh-hans").lower()
    return TEXT_EN if language.startswith("en") else TEXT_ZH
