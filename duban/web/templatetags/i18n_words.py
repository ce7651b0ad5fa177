"""``{% load i18n_words %}`` — Django's ``i18n`` library, with ``{% translate "literal" %}`` read
from a table. Duban's templates load it instead of ``i18n`` (``tests/web/test_i18n_words.py``
holds them to it).

Every tag of Django's library is here, the same object; only the plainest ``translate`` changes:
a quoted literal with no filter, no context and no ``noop``. Django's node resolves it as a lazy
translation and then renders, escapes and un-doubles its percent signs on every render (≈8 µs;
the item page has about seventy); its text only depends on the active language, so it comes from
``core.labels.words`` — the same ``gettext``, remembered per language. The output is the same: a
literal in a template is safe text, so its translation is marked safe and never escaped, and
``%%`` becomes ``%``.
"""

from __future__ import annotations

from django import template
from django.templatetags import i18n
from django.utils.safestring import mark_safe

from duban.core.labels import words

register = template.Library()
register.tags.update(i18n.register.tags)
register.filters.update(i18n.register.filters)


class LiteralTranslateNode(i18n.TranslateNode):
    def __init__(self, node: i18n.TranslateNode, literal: str) -> None:
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        # What Django's Variable hands to gettext: the literal with its percent signs doubled.
        self.msgid = literal.replace("%", "%%")

    def render(self, context):
        value = mark_safe(str(words()(self.msgid)).replace("%%", "%"))
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    node = i18n.do_translate(parser, token)
    expression = node.filter_expression
    literal = getattr(expression.var, "literal", None)
    if isinstance(literal, str) and not expression.filters and not node.noop and node.message_context is None:
        return LiteralTranslateNode(node, literal)
    return node
