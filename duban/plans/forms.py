from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from duban.items.models import Category
from duban.targets.models import Kind as TargetKind
from duban.targets.models import Period as TargetPeriod

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

    def __init__(self, *args, unit_choices=(), targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(u.code, u.short_name or u.name) for u in unit_choices]
        self.fields["lead"].choices = choices
        self.fields["coop"].choices = choices
        # Each target's kind and reporting period, as the item's targets will be created with.
        self.target_texts = [t.get("text", "") for t in targets]
        for i, text in enumerate(self.target_texts):
            name = text if len(text) <= 30 else text[:29] + "…"
            self.fields[f"target_{i}_kind"] = forms.ChoiceField(
                label=_("指标“%(t)s”的类型") % {"t": name}, choices=TargetKind.choices, required=False
            )
            self.fields[f"target_{i}_period"] = forms.ChoiceField(
                label=_("指标“%(t)s”的报送周期") % {"t": name}, choices=TargetPeriod.choices, required=False
            )

    @classmethod
    def initial_for(cls, task, terms=()) -> dict:
        """``terms``: the task's targets with their kind and period filled in (guessed where the
        supervisor has not chosen), in the task's order."""
        out = {
            "text": task.text,
            "targets": "\n".join(t.get("text", "") for t in task.targets),
            "category": task.category,
            "due": task.due,
            "lead": task.lead_codes,
            "coop": task.coop_codes,
        }
        for i, t in enumerate(terms):
            out[f"target_{i}_kind"] = t.get("kind", "")
            out[f"target_{i}_period"] = t.get("period", "")
        return out

    def target_terms(self) -> list[dict]:
        """The chosen kinds and periods in the order of the edited target lines: a line kept
        from before takes the choices made beside it; a new line is guessed from its wording."""
        d = self.cleaned_data
        unused = list(range(len(self.target_texts)))
        out = []
        for line in d.get("targets", "").splitlines():
            line = line.strip()
            if not line:
                continue
            i = next((i for i in unused if self.target_texts[i].strip() == line), None)
            if i is None:
                out.append({})
                continue
            unused.remove(i)
            out.append({"kind": d.get(f"target_{i}_kind") or "", "period": d.get(f"target_{i}_period") or ""})
        return out
