from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from duban.items.models import Category

REPORT_EXTENSIONS = (".txt", ".docx", ".html", ".htm", ".md")


class UploadForm(forms.Form):
    report = forms.FileField(
        label=_("工作报告文件"),
        help_text=_("支持 .txt、.docx、.html、.md，常见中文编码均可"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(REPORT_EXTENSIONS)}),
    )
    year = forms.IntegerField(label=_("计划年度（可不填）"), required=False, min_value=2000, max_value=2100)


class TaskForm(forms.Form):
    text = forms.CharField(label=_("任务内容"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    targets = forms.CharField(
        label=_("量化指标（每行一项）"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    due = forms.DateField(
        label=_("完成时限"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    lead = forms.MultipleChoiceField(
        label=_("牵头单位"), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    coop = forms.MultipleChoiceField(
        label=_("配合单位"), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )

    def __init__(self, *args, unit_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(u.code, u.short_name or u.name) for u in unit_choices]
        self.fields["lead"].choices = choices
        self.fields["coop"].choices = choices

    @classmethod
    def initial_for(cls, task) -> dict:
        return {
            "text": task.text,
            "targets": "\n".join(t.get("text", "") for t in task.targets),
            "category": task.category,
            "due": task.due,
            "lead": task.lead_codes,
            "coop": task.coop_codes,
        }
