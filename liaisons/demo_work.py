"""Demo liaison work for `seed_demo`: policy notes, help requests in every state, visits with
photos and task lists, so that the officials' pages have something to show.

The weeks before the seeding are replayed: each past step runs through its service with the
clock set to when it happened (`replayed_at`), so due times, first-response and resolution
times, the journal and the notifications all tell the same story, and the figures page has
weeks to draw. The `liaison` demo user ends up with overdue, due-today and new requests,
tasks to verify and enterprises not visited for a while. Written once: a database that has
help requests already gets none of this again.
"""

from __future__ import annotations

import datetime
import heapq
import io
import random
from contextlib import contextmanager
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enterprises.models import Enterprise
from portal.demo import Demo
from portal.models import User

from . import services
from .models import Assignment, HelpRequest, PolicyNote, Task, Visit, checklist_keys

HISTORY_WEEKS = 8
HISTORY_REQUESTS = 100  # solved or rejected over the weeks replayed
VISITS = 60
Category = HelpRequest.Category
Priority = HelpRequest.Priority
DUE_NORMAL = services.DUE_IN[Priority.NORMAL]
DUE_HIGH = services.DUE_IN[Priority.HIGH]

# What enterprises asked in Qiantang and Harbin in February 2020, by category.
ASKS = {
    Category.SUPPLIES: ("急需口罩 3000 只", "防护服 20 套", "额温枪 10 把", "消毒液 200 升",
                        "N95 口罩 500 只"),
    Category.PASS: ("员工跨区通行证 12 张", "货车通行证 3 张", "返岗员工通行证办理",
                    "省外员工返杭通行"),
    Category.LABOR: ("缺操作工 20 人", "招聘质检员 5 名", "急需叉车司机 3 名",
                     "湖北籍员工返岗安排"),
    Category.MATERIALS: ("原料供应商未复工", "包装材料断供", "芯片到货延迟", "钢材运输受阻"),
    Category.POLICY: ("社保减免怎么申请", "稳岗返还条件", "租金减免政策咨询",
                      "复工备案后是否还需审批", "小微企业贷款贴息"),
    Category.OTHER: ("食堂分餐改造咨询", "员工宿舍隔离安排", "园区班车恢复"),
}
ANSWERS = {
    Category.SUPPLIES: "已从区防疫物资储备调拨，请到下沙物资点领取。",
    Category.PASS: "已在线核发通行证，员工凭健康码通行。",
    Category.LABOR: "已对接区人社局用工平台，推荐人员下周到岗。",
    Category.MATERIALS: "已协调上游企业复工，本周恢复供货。",
    Category.POLICY: "已电话讲解政策并发送办事指南。",
    Category.OTHER: "已现场指导并协调街道落实。",
}

POLICY_NOTES = (
    {"title": "阶段性减免企业社会保险费", "source": "人社部发〔2020〕11号",
     "valid_from": datetime.date(2020, 2, 1), "valid_to": datetime.date(2020, 12, 31),
     "text": "自 2020 年 2 月起，免征中小微企业养老、失业、工伤保险单位缴费部分，大型企业"
             "减半征收。企业无需申请，由社保经办机构直接减免。"},
    {"title": "失业保险稳岗返还", "source": "浙人社发〔2020〕9号",
     "valid_from": datetime.date(2020, 2, 10), "valid_to": None,
     "text": "不裁员或少裁员的参保企业，可返还上年度实际缴纳失业保险费的 50%；中小微企业"
             "返还标准可提高到 100%。通过浙江政务服务网在线申请。"},
    {"title": "复工复产实行备案制", "source": "钱塘新区管委会",
     "valid_from": datetime.date(2020, 2, 10), "valid_to": None,
     "text": "负面清单以外的企业在线提交防疫承诺即可复工，无需审批；谱系亲情员在复工后"
             "上门核查防疫措施并签署复工确认书。"},
    {"title": "小微企业贷款贴息", "source": "杭政办函〔2020〕12号",
     "valid_from": datetime.date(2020, 2, 15), "valid_to": datetime.date(2020, 6, 30),
     "text": "对受疫情影响较大的小微企业新增贷款给予 50% 贴息，单户贴息不超过 50 万元。"},
    {"title": "国有房产租金减免", "source": "杭州市国资委",
     "valid_from": datetime.date(2020, 2, 1), "valid_to": datetime.date(2020, 3, 31),
     "text": "承租国有企业经营性房产的中小微企业，免收 2 月、3 月两个月租金。"},
    {"title": "员工返岗交通补助", "source": "区人力社保局",
     "valid_from": datetime.date(2020, 2, 15), "valid_to": None,
     "text": "企业组织包车接回外地员工的，按实际费用给予最高 50% 补助。"},
)


@contextmanager
def replayed_at(moment: datetime.datetime):
    """Run the services as if it were `moment`: Django's clock (and so every `now()` of the
    services, the models' timestamps and the journal) reads that time."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _photo(rng: random.Random, name: str) -> SimpleUploadedFile:
    """A small JPEG standing in for a photo taken on site."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 320), (rng.randrange(150, 230), rng.randrange(170, 230),
                                          rng.randrange(170, 230)))
    draw = ImageDraw.Draw(image)
    for _line in range(6):
        x, y = rng.randrange(480), rng.randrange(320)
        draw.rectangle([x, y, x + rng.randrange(40, 160), y + rng.randrange(20, 90)],
                       outline=(60, 70, 80), width=3)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def policy_notes_seed() -> tuple[list[PolicyNote], int]:
    """The policy library (one note expired in March 2020); returns the notes and how many
    were written now."""
    existing = {note.title: note for note in PolicyNote.objects.filter(
        title__in=[plan["title"] for plan in POLICY_NOTES])}
    notes, created = [], 0
    for plan in POLICY_NOTES:
        note = existing.get(plan["title"])
        if note is None:
            note = services.policy_note_create(actor=None, district=None, **plan)
            created += 1
        notes.append(note)
    return notes, created


class _Replay:
    """The shared state of one replay: the clock, the people and a tally of what was made."""

    def __init__(self, demo: Demo, now: datetime.datetime):
        self.demo = demo
        self.now = now
        self.rng = random.Random(demo.random_seed + 3)
        self.admin = demo.users["admin"]
        self.liaison = demo.users["liaison"]
        self.member = demo.users["enterprise"]
        self.made = {"help_requests": 0, "visits": 0, "tasks": 0}

    def at(self, moment):
        return replayed_at(min(moment, self.now))

    def ask(self, enterprise, moment, *, actor, category=None, priority=None, title=None):
        category = category or self.rng.choice(list(ASKS))
        priority = priority or self.rng.choices(
            [Priority.URGENT, Priority.HIGH, Priority.NORMAL], [1, 3, 6])[0]
        with self.at(moment):
            request = services.help_request_create(
                actor=actor, enterprise=enterprise, category=category, priority=priority,
                title=title or self.rng.choice(ASKS[category]),
                description="复工复产期间企业提出的需求（演示数据）。",
            )
        self.made["help_requests"] += 1
        return request

    def official_of(self, request):
        return request.assignee or self.admin

    def start(self, request, moment):
        with self.at(moment):
            return services.help_request_start(help_request=request,
                                               actor=self.official_of(request))

    def resolve(self, request, moment, note=None, policy_note=None):
        with self.at(moment):
            return services.help_request_resolve(
                help_request=request, actor=self.official_of(request),
                resolution=ANSWERS[request.category], policy_note=policy_note)


def _served(official: User) -> list[Enterprise]:
    return list(Enterprise.objects.visible_to(official).order_by("credit_code"))


def history_seed(replay: _Replay, spectra, notes) -> None:
    """Requests raised, answered and solved over the weeks before now, half of them in the
    demo liaison's spectrum; a few rejected, some reopened once. The steps are replayed in
    the order they happened, so each new request goes to whoever was least loaded then."""
    rng, now = replay.rng, replay.now
    home = list(Enterprise.objects.filter(spectrum=replay.demo.things["story_spectrum"])
                .order_by("credit_code"))
    everywhere = list(Enterprise.objects.filter(spectrum__in=spectra).order_by("credit_code"))
    steps: list[tuple] = []  # (when, order, step, number, request)
    for number in range(HISTORY_REQUESTS):
        raised = now - datetime.timedelta(days=rng.uniform(3, HISTORY_WEEKS * 7),
                                          hours=rng.uniform(0, 8))
        heapq.heappush(steps, (raised, number, "raise", number, None))
    order = HISTORY_REQUESTS
    while steps:
        when, _order, step, number, request = heapq.heappop(steps)
        following = None
        if step == "raise":
            pool = home if number % 2 == 0 else everywhere
            request = replay.ask(pool[rng.randrange(len(pool))], when, actor=None)
            if request.assignee is None:
                continue
            following = ("reject" if number % 23 == 7 else "start",
                         rng.choice([0.3, 0.5, 1, 2, 3, 5, 8, 20]))
        elif step == "reject":
            with replay.at(when):
                services.help_request_reject(
                    help_request=request, actor=request.assignee,
                    reason="不属于本谱系服务范围，已告知企业向行业主管部门咨询。")
        elif step == "start":
            request = replay.start(request, when)
            following = ("resolve", rng.choice([1, 2, 4, 6, 10, 18, 30, 48]))
        elif step in ("resolve", "resolve again"):
            policy_note = notes[0] if request.category == Category.POLICY else None
            request = replay.resolve(request, when, policy_note=policy_note)
            if step == "resolve" and number % 11 == 3:
                following = ("reopen", 6)
            elif number % 4 != 0:
                following = ("confirm", rng.uniform(2, 40))
        elif step == "reopen":
            with replay.at(when):
                request = services.help_request_reopen(
                    help_request=request, actor=None, reason="问题仍未解决，请再协调。")
            following = ("resolve again", 24)
        elif step == "confirm":
            with replay.at(when):
                services.help_request_confirm(help_request=request, actor=None)
        if following is not None:
            name, hours = following
            later = when + datetime.timedelta(hours=hours)
            if later < now:
                order += 1
                heapq.heappush(steps, (later, order, name, number, request))


def queue_seed(replay: _Replay, notes) -> None:
    """What waits now: the demo liaison's overdue, due-today and new requests, some in
    progress or resolved and awaiting the enterprise, and a few in the unassigned queue."""
    now, liaison, rng = replay.now, replay.liaison, replay.rng
    story = replay.demo.things["story_enterprise"]
    served = [e for e in _served(liaison) if e.pk != story.pk] or [story]
    # A small demo (`--enterprises 60`) has a few enterprises per spectrum: they repeat.
    mine = [served[index % len(served)] for index in range(11)]
    today_end = timezone.localtime(now).replace(hour=23, minute=30, second=0, microsecond=0)
    due_today = max(min(now + datetime.timedelta(hours=3), today_end),
                    now + datetime.timedelta(minutes=20))
    plan = [
        # (enterprise, raised at, priority, category, what happens)
        (story, now - datetime.timedelta(hours=80), Priority.NORMAL, Category.SUPPLIES, "open"),
        (mine[0], now - datetime.timedelta(hours=5), Priority.URGENT, Category.PASS, "open"),
        (mine[1], now - datetime.timedelta(hours=30), Priority.HIGH, Category.LABOR, "started"),
        (mine[2], now - datetime.timedelta(hours=75), Priority.NORMAL, Category.MATERIALS,
         "open"),
        (mine[3], due_today - DUE_NORMAL, Priority.NORMAL, Category.POLICY, "open"),
        (mine[4], due_today - DUE_HIGH, Priority.HIGH, Category.SUPPLIES, "started"),
        (story, now - datetime.timedelta(minutes=40), Priority.HIGH, Category.PASS, "open"),
        (mine[5], now - datetime.timedelta(hours=2), Priority.NORMAL, Category.LABOR, "open"),
        (mine[6], now - datetime.timedelta(hours=1), Priority.URGENT, Category.SUPPLIES, "open"),
        (story, now - datetime.timedelta(hours=26), Priority.NORMAL, Category.POLICY,
         "resolved"),
        (mine[7], now - datetime.timedelta(hours=50), Priority.NORMAL, Category.OTHER,
         "resolved"),
        (mine[8], now - datetime.timedelta(hours=10), Priority.HIGH, Category.MATERIALS,
         "unassigned"),
        (mine[9], now - datetime.timedelta(hours=90), Priority.NORMAL, Category.SUPPLIES,
         "unassigned"),
        (mine[10], now - datetime.timedelta(hours=3), Priority.NORMAL, Category.POLICY,
         "commented"),
    ]
    for enterprise, raised, priority, category, step in plan:
        actor = replay.member if enterprise.pk == story.pk else None
        request = replay.ask(enterprise, raised, actor=actor, category=category,
                             priority=priority)
        moment = raised + datetime.timedelta(minutes=5)
        if request.assignee_id != liaison.pk:
            with replay.at(moment):
                request = services.help_request_assign(help_request=request, actor=replay.admin,
                                                       assignee=liaison)
        if step in ("started", "resolved"):
            request = replay.start(request, raised + datetime.timedelta(minutes=30))
        if step == "resolved":
            expired = notes[4] if category == Category.POLICY else None
            request = replay.resolve(request, raised + datetime.timedelta(hours=6),
                                     policy_note=expired)
        if step == "commented":
            with replay.at(raised + datetime.timedelta(minutes=50)):
                services.help_request_comment(
                    help_request=request, actor=liaison, policy_note=notes[1],
                    text="您好，稳岗返还政策见附注，今天下午上门讲解。")
        if step == "unassigned":
            with replay.at(raised + datetime.timedelta(minutes=20)):
                services.help_request_release(
                    help_request=request, actor=liaison,
                    reason="本人本周驻点，请管理员另行分派。")
    # The other officials' current load, so that caseloads differ.
    others = list(Enterprise.objects.exclude(spectrum=story.spectrum_id)
                  .order_by("credit_code")[:400])
    for number in range(20):
        enterprise = others[rng.randrange(len(others))]
        raised = now - datetime.timedelta(hours=rng.uniform(1, 100))
        request = replay.ask(enterprise, raised, actor=None)
        if request.assignee_id and number % 3 == 0:
            replay.start(request, raised + datetime.timedelta(hours=1))


def visits_seed(replay: _Replay) -> None:
    """Visits over the last three weeks (a third of them this week) with their checklists,
    a few photos and the tasks they left; the demo liaison visited a score of its
    enterprises, so most of its spectrum is listed as not visited lately."""
    rng, now = replay.rng, replay.now
    keys = checklist_keys()
    story = replay.demo.things["story_enterprise"]
    rounds = []
    liaison_enterprises = _served(replay.liaison)
    rounds += [(replay.liaison, e) for e in [story, *liaison_enterprises[:24]]]
    officials = (Assignment.objects.active().exclude(official=replay.liaison)
                 .select_related("official").order_by("pk"))
    seen = set()
    for assignment in officials:
        if assignment.official_id in seen or len(rounds) >= VISITS:
            continue
        seen.add(assignment.official_id)
        served = _served(assignment.official)
        if served:
            rounds += [(assignment.official, served[rng.randrange(len(served))])
                       for _n in range(2)]
    for number, (official, enterprise) in enumerate(rounds[:VISITS]):
        when = now - datetime.timedelta(days=rng.uniform(0.2, 20), hours=rng.uniform(0, 6))
        if number % 3 == 0:  # this week (since Monday)
            since_monday = timezone.localdate(now).weekday() * 24 + timezone.localtime(now).hour
            when = now - datetime.timedelta(hours=rng.uniform(0.5, max(since_monday, 1)))
        checklist = {key: rng.random() > 0.12 for key in keys}
        missing = [key for key, present in checklist.items() if not present]
        findings = ("防疫措施落实到位。" if not missing
                    else "发现问题：" + "、".join(MISSING_WORDS.get(k, k) for k in missing) + "。")
        with replay.at(when):
            visit = services.visit_create(actor=official, enterprise=enterprise,
                                          checklist=checklist, findings=findings,
                                          visited_at=when)
            if number < 3:
                for index in range(2):
                    services.visit_photo_add(visit=visit, actor=official,
                                             upload=_photo(rng, f"现场照片{index + 1}.jpg"))
        replay.made["visits"] += 1
        for key in missing[:2]:
            due = timezone.localdate(when) + datetime.timedelta(days=rng.choice([2, 3, 5, 7]))
            with replay.at(when + datetime.timedelta(minutes=10)):
                task = services.task_create(
                    actor=official, enterprise=enterprise, visit=visit, due_date=due,
                    title=f"整改：{MISSING_WORDS.get(key, key)}",
                    description="走访中发现，请按要求整改后在任务清单中反馈。")
            replay.made["tasks"] += 1
            done_at = when + datetime.timedelta(days=rng.uniform(0.5, 4))
            if done_at < now and rng.random() < 0.6:
                with replay.at(done_at):
                    task = services.task_close(task=task, actor=None,
                                               note="已按要求整改，附照片备查。")
                verified = done_at + datetime.timedelta(days=1)
                if verified < now and rng.random() < 0.5:
                    with replay.at(verified):
                        services.task_verify(task=task, actor=official)


MISSING_WORDS = {
    "screening": "员工排查台账不全",
    "dedicated_staff": "防疫专人专岗未明确",
    "isolation_area": "未设置临时隔离区",
    "masks": "口罩储备不足",
    "disinfection": "消毒记录缺失",
    "closed_management": "厂区出入口未封闭管理",
    "temperature_checks": "体温检测点无人值守",
    "visitor_registration": "访客登记不全",
    "health_code_checks": "未查验健康码",
}


def meeting_tasks_seed(replay: _Replay) -> None:
    """The task list of a return-to-work meeting (复工复产推进会): tasks for the story's
    company and one for the demo liaison."""
    now, story, liaison = replay.now, replay.demo.things["story_enterprise"], replay.liaison
    meeting = "钱塘区复工复产推进会（第 3 次）"
    held = now - datetime.timedelta(days=6)
    plan = [
        ("报送返岗员工健康排查名单", Task.Owner.ENTERPRISE, 2, "done"),
        ("落实食堂错峰分餐", Task.Owner.ENTERPRISE, 8, "open"),
        ("制定员工返岗包车方案", Task.Owner.ENTERPRISE, 4, "open"),
        ("协调企业用工缺口 20 人", Task.Owner.OFFICIAL, 3, "open"),
    ]
    for title, owner, days, step in plan:
        with replay.at(held):
            task = services.task_create(
                actor=liaison, enterprise=story, title=title, owner=owner,
                official=liaison if owner == Task.Owner.OFFICIAL else None,
                due_date=timezone.localdate(held) + datetime.timedelta(days=days),
                meeting=meeting)
        replay.made["tasks"] += 1
        if step == "done":
            with replay.at(held + datetime.timedelta(days=1)):
                services.task_close(task=task, actor=replay.member,
                                    note="名单已通过邮件报送街道。")


def seed(demo: Demo) -> None:
    """Policy notes, and once: help requests, visits and tasks (see the module's doc)."""
    notes, created = policy_notes_seed()
    demo.count("policy_notes", created)
    replay = _Replay(demo, timezone.now())
    if not (HelpRequest.objects.exists() or Visit.objects.exists()):
        history_seed(replay, demo.things["spectra"], notes)
        queue_seed(replay, notes)
        visits_seed(replay)
        meeting_tasks_seed(replay)
    for kind, number in replay.made.items():
        demo.count(kind, number)
