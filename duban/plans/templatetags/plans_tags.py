from django import template

from duban.plans import display

register = template.Library()


@register.filter
def task_ref(task) -> str:
    """三（二）第4段 for a plan task."""
    return display.reference(task)


@register.filter
def target_value(target) -> str:
    """A target's quantity in Chinese (以上, 以内, 左右, ranges as 5%—5.5%)."""
    return display.target_value(target) if isinstance(target, dict) else ""
