"""Ledgers fixtures: one provincial story with clock travel.

2021-09-30 10:00 the province assigns two items:
- A "推进老旧小区改造" (work report, section of a plan): 小店区 leads, 迎泽区 co-operates; a target
  of 100 小区. 小店区 signs 10-08 09:00, reports deployment 10-08 10:00 with a problem and a
  request for support, feedback 10-12 10:00 (a day late), asks to close 10-14; the province
  returns it 10-15 (the answer), 小店区 asks again 10-18 (with a photo), closed 良好 10-19.
  迎泽区 signs 10-09, reports deployment 10-19 with a request for support; a leader's 批示 on
  10-20 answers it.
- B "整治城区道路积水" (meeting decision): 小店区 leads and never signs; the province urges it 10-19.
The tests look on 2021-10-20 15:00.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import make_user, unit

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)

# Strings that must never reach the public page.
SECRETS = SimpleNamespace(
    problem="拆迁补偿资金缺口较大",
    support="请省财政厅协调专项资金",
    return_reason="佐证材料不全，退回补充",
    close_comment="内部评语：进度尚可",
    instruction="请抓紧研究解决资金问题",
    photo="竣工验收现场照片.png",
    urge="请务必本周内签收",
    coop_support="请省住建厅给予技术指导",
)
PUBLIC_TEXT = "全区12个老旧小区已全部开工，完成投资3.2亿元"


@pytest.fixture
def plan(prov_sup):
    from duban.core.clock import now
    from duban.plans.models import Plan

    return Plan.objects.create(
        issuer_unit=prov_sup.unit,
        issuer_path=prov_sup.unit.path,
        name="2021年政府工作报告.txt",
        sha256="0" * 64,
        text="……",
        title="2021年山西省政府工作报告",
        plan_year=2021,
        created_at=now(),
    )


@pytest.fixture
def sibling_head(shanxi):
    return make_user("yz_head_person", unit("140106"), "head")


@pytest.fixture
def story(prov_sup, prov_leader, county_clerk, sibling_clerk, plan, clock):
    from duban.items import services
    from duban.targets import services as targets

    clock("2021-09-30 10:00")
    a = services.register_and_assign(
        actor=prov_sup,
        title="推进老旧小区改造",
        body="年内开工改造老旧小区",
        source="work_report",
        lead=[unit("140105")],
        coop=[unit("140106")],
        source_ref={"plan": plan.pk, "task": "t1", "section": "（五）持续改善民生", "start": 100, "end": 120},
    )
    targets.create_target(
        actor=prov_sup, item_id=a.pk, indicator="开工小区", value=100, unit_label="个", plan_year=2021
    )
    clock("2021-09-30 10:05")
    b = services.register_and_assign(actor=prov_sup, title="整治城区道路积水", lead=[unit("140105")])
    lead = a.tracks.get(unit__code="140105")
    coop = a.tracks.get(unit__code="140106")
    b_track = b.tracks.get()

    clock("2021-10-08 09:00")
    services.sign(actor=county_clerk, track_id=lead.pk)
    clock("2021-10-08 10:00")
    services.file_report(
        actor=county_clerk,
        track_id=lead.pk,
        kind="deploy",
        done="已召开专题会议部署",
        problems=SECRETS.problem,
        support_needed=SECRETS.support,
    )
    clock("2021-10-09 09:00")
    services.sign(actor=sibling_clerk, track_id=coop.pk)
    clock("2021-10-12 10:00")
    services.file_report(actor=county_clerk, track_id=lead.pk, kind="feedback", done="已完成入户调查")
    clock("2021-10-14 10:00")
    services.file_report(actor=county_clerk, track_id=lead.pk, kind="result", done="已开工10个小区")
    clock("2021-10-15 10:00")
    services.return_track(actor=prov_sup, track_id=lead.pk, reason=SECRETS.return_reason)
    clock("2021-10-18 10:00")
    services.file_report(
        actor=county_clerk,
        track_id=lead.pk,
        kind="result",
        done=PUBLIC_TEXT,
        files=[SimpleUploadedFile(SECRETS.photo, PNG, content_type="image/png")],
    )
    clock("2021-10-19 09:00")
    services.close_track(actor=prov_sup, track_id=lead.pk, rating="good", comment=SECRETS.close_comment)
    clock("2021-10-19 10:00")
    services.file_report(
        actor=sibling_clerk,
        track_id=coop.pk,
        kind="deploy",
        done="已安排技术人员",
        support_needed=SECRETS.coop_support,
    )
    clock("2021-10-19 11:00")
    urge = services.urge(actor=prov_sup, track_id=b_track.pk, message=SECRETS.urge)
    clock("2021-10-20 09:00")
    services.add_instruction(actor=prov_leader, item_id=a.pk, text=SECRETS.instruction)
    clock("2021-10-20 15:00")
    return SimpleNamespace(a=a, b=b, lead=lead, coop=coop, b_track=b_track, urge=urge)
