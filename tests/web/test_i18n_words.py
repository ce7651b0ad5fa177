"""``{% load i18n_words %}`` (``web/templatetags/i18n_words``): the same output as Django's own
``i18n`` for every form of ``translate``, the plain literal read from ``core.labels.words`` — and
Duban's templates load it, not ``i18n``."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, engines
from django.templatetags import i18n
from django.utils import translation

from duban.core.labels import words
from duban.web.templatetags.i18n_words import LiteralTranslateNode

SOURCE = (
    "{% load LIB %}"
    '[{% translate "督办" %}][{% trans "January" %}][{% translate \'单引号\' %}]'
    '[{% translate "100%" %}][{% translate "a%%b" %}][{% translate "<b>粗</b> & 细" %}]'
    '[{% translate "January" as month %}{{ month }}][{% translate "january"|upper %}]'
    '[{% translate "May" context "month name" %}][{% translate "June" noop %}]'
    '[{% translate text %}][{% autoescape off %}{% translate "<i>" %}{% translate text %}{% endautoescape %}]'
    "[{% blocktranslate with n=text %}共 {{ n }} 项{% endblocktranslate %}]"
)


def _render(library: str, language: str) -> str:
    engine = Engine(
        libraries={"i18n": "django.templatetags.i18n", "i18n_words": "duban.web.templatetags.i18n_words"}
    )
    with translation.override(language):
        return engine.from_string(SOURCE.replace("LIB", library)).render(
            Context({"text": "<script>1</script>"})
        )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_same_output_as_djangos_own_library(language):
    # A plain lookup of the same text first: its cached value is not marked safe, and the
    # template's translation must still come out unescaped, as Django's does.
    with translation.override(language):
        words()("<b>粗</b> & 细")
    ours = _render("i18n_words", language)
    assert ours == _render("i18n", language)
    assert "&lt;script&gt;" in ours and "<b>粗</b> & 细" in ours and "[100%]" in ours


def test_a_real_translation_comes_through():
    with translation.override("zh-hans"):
        out = (
            Engine(libraries={"i18n": "duban.web.templatetags.i18n_words"})
            .from_string('{% load i18n %}{% translate "January" %}')
            .render(Context())
        )
    assert out == "一月"


def test_dubans_templates_load_it():
    import re
    from pathlib import Path

    import duban

    loads = re.compile(r"{%\s*load\s+([^%]*)%}")
    templates = sorted(Path(duban.__file__).parent.glob("*/templates/**/*.html"))
    assert len(templates) > 40
    for path in templates:
        for names in loads.findall(path.read_text(encoding="utf-8")):
            assert "i18n" not in names.split(), f"{path}: load i18n_words, not i18n"
    engine = engines["django"].engine
    template = engine.get_template("web/item_detail.html")
    kinds = {type(n).__name__ for n in template.nodelist.get_nodes_by_type(i18n.TranslateNode)}
    assert kinds == {LiteralTranslateNode.__name__}
