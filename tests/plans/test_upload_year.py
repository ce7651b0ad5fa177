"""A report that names no year: the upload is refused with the parser's message asking for the
plan year, and the same file with the year filled in is imported as that year's plan."""

from django.core.files.uploadedfile import SimpleUploadedFile

from duban.plans.models import Plan, PlanTask

YEARLESS = (
    "政府工作报告\n一、过去一年工作回顾\n过去一年，我们着力稳增长。\n二、对今年政府工作的建议\n"
    "（一）加快城市更新。年底前完成老旧小区改造100个。\n（二）推进乡村振兴。实施乡村建设行动。\n"
).encode()


def test_yearless_report_asks_for_the_year(client, prov_sup, clock):
    clock("2023-03-10 09:00")
    client.force_login(prov_sup)
    resp = client.post("/plans/", {"report": SimpleUploadedFile("r.txt", YEARLESS)})
    assert resp.status_code == 422
    assert Plan.objects.count() == 0 and PlanTask.objects.count() == 0
    html = resp.content.decode()
    assert "无法确定报告所安排工作的年份" in html and "计划年度" in html
    assert 'name="year"' in html
    resp = client.post("/plans/", {"report": SimpleUploadedFile("r.txt", YEARLESS), "year": "2023"})
    assert resp.status_code == 302
    plan = Plan.objects.get()
    assert plan.plan_year == 2023
    dated = plan.tasks.exclude(due=None).values_list("due", flat=True)
    assert dated and all(d.year == 2023 for d in dated)
