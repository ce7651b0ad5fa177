"""Suggested lead units on the seed's 281 plan-year tasks, against the hand labels in
``fixtures/units/seed_units.json`` (scored by ``bench/unit_quality.py``), and the rules one by one.

The floors are the rates reached when the rules were last changed (docs/PERFORMANCE.md §2,
"Suggested units"): a change that lowers them must say why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.unit_quality import LABELS, REPORT, score
from duban.workplan import decompose
from duban.workplan.normalize import normalize
from duban.workplan.units import Vocabulary, default_vocabulary, read_vocabulary_file, suggest

TOP1_FLOOR = 0.93  # of the tasks given a suggestion, the first one acceptable (254/272)
COVERAGE_FLOOR = 0.96  # tasks given any suggestion (272/281)
USEFUL_FLOOR = 0.90  # tasks whose first suggestion is acceptable (254/281)


@pytest.fixture(scope="module")
def scored():
    return score()


def test_labels_cover_every_plan_year_task_of_the_seed():
    labels = json.loads(LABELS.read_text("utf-8"))
    d = decompose(REPORT.read_bytes(), name=REPORT.name)
    texts = {t["text"].strip() for t in d["tasks"] if t["plan_year"] == 2021}
    assert {t["text"] for t in labels["tasks"]} == texts and len(texts) == 281
    names = {u for t in labels["tasks"] for u in t["accept"]}
    assert names <= {n for n, _ in read_vocabulary_file()}


def test_seed_acceptance_holds_its_floor(scored):
    assert scored["found"] == scored["tasks"] == 281
    assert scored["top1"] >= TOP1_FLOOR, scored["top1"]
    assert scored["coverage"] >= COVERAGE_FLOOR, scored["coverage"]
    assert scored["useful"] >= USEFUL_FLOOR, scored["useful"]


def test_a_part_title_word_alone_suggests_nothing():
    # "推动制度型开放" (section 二, part （四）) once went to the energy bureau because its part's
    # title speaks of 能源革命综合改革试点.
    d = decompose(REPORT.read_bytes(), name=REPORT.name)
    task = next(t for t in d["tasks"] if t["text"].strip() == "推动制度型开放。")
    assert task["suggested_units"] == []


def _hits(vocab: Vocabulary, text: str):
    norm = normalize(text)
    return list(vocab.index.finditer(norm, 0, len(norm)))


def _words(vocab: Vocabulary, text: str):
    return [h[2] for h in _hits(vocab, text)]


VOCAB = Vocabulary(
    [
        ("商务厅", "外贸|开放型经济"),
        ("海关", "外贸|保税"),
        ("发展改革委", "开放型经济|营商环境"),
        ("水利厅", "水利"),
        ("交通运输厅", "枢纽"),
        ("卫健委", "疫情防控"),
    ]
)


def test_own_words_outweigh_the_theme_and_the_title_only_weighs_between_them():
    theme = _words(VOCAB, "加快构建开放型经济新体制")
    top = suggest(_hits(VOCAB, "加快太原武宿保税区发展"), theme)
    assert top[0]["name"] == "海关"  # the task's 保税 over the theme's 开放型经济
    # The title alone: nothing; beside the theme's units it only tips the balance.
    title = _words(VOCAB, "推动营商环境持续优化")
    assert suggest(_hits(VOCAB, "自觉接受各方面监督"), (), title) == []
    assert suggest(_hits(VOCAB, "推动制度型开放"), (), _words(VOCAB, "开放型经济")) == []
    both = suggest(_hits(VOCAB, "办好博览会"), _words(VOCAB, "开放型经济"), title)
    assert both[0]["name"] == "发展改革委"


def test_a_theme_gives_its_unit_to_a_task_without_words_of_its_own():
    top = suggest(_hits(VOCAB, "坚持人物同防"), _words(VOCAB, "抓好疫情防控重点环节"))
    assert [u["name"] for u in top] == ["卫健委"] and top[0]["because"] == ["疫情防控"]


def test_ties_go_to_the_unit_named_first_then_to_the_vocabulary_order():
    assert suggest(_hits(VOCAB, "做好古贤水利枢纽前期工作"))[0]["name"] == "水利厅"
    assert suggest(_hits(VOCAB, "做好枢纽水利前期工作"))[0]["name"] == "交通运输厅"
    # 外贸 is both units' word: the government's own department, listed first, leads.
    assert [u["name"] for u in suggest(_hits(VOCAB, "打造外贸转型升级基地"))] == ["商务厅", "海关"]


def test_bare_matches_still_work():
    assert suggest(_words(default_vocabulary(), "新建高标准农田280万亩"))[0]["name"] == "山西省农业农村厅"


def test_scorer_counts_a_suggestion_on_a_task_nobody_leads_as_wrong(tmp_path):
    labels = json.loads(LABELS.read_text("utf-8"))
    task = next(t for t in labels["tasks"] if t["text"] == "新认定高新技术企业1000家。")
    assert task["accept"] == ["山西省科学技术厅"]
    one = dict(labels, tasks=[dict(task, accept=[])])
    path = tmp_path / "one.json"
    path.write_text(json.dumps(one, ensure_ascii=False), "utf-8")
    s = score(Path(path))
    assert (s["suggested"], s["accepted"], s["top1"], s["silent_ok"]) == (1, 0, 0.0, 0.0)
