"""A stand-in for duban.workplan used only until the real parser lands (same contract)."""

from __future__ import annotations

import hashlib
import re
import sys
import types


class ParseError(Exception):
    def __init__(self, code, message, position=None):
        super().__init__(message)
        self.code, self.message, self.position = code, message, position


KEYWORDS = {
    "高新技术企业": "山西省科学技术厅",
    "科技": "山西省科学技术厅",
    "5G": "山西省工业和信息化厅",
    "工业": "山西省工业和信息化厅",
    "老旧小区": "山西省住房和城乡建设厅",
    "就业": "山西省人力资源和社会保障厅",
    "农业": "山西省农业农村厅",
    "教育": "山西省教育厅",
    "生态": "山西省生态环境厅",
}


def decompose(data, *, name=None, year=None, max_bytes=5 * 1024 * 1024, gazetteer=None, vocabulary=None):
    raw = data if isinstance(data, bytes) else open(data, "rb").read()
    if not raw.strip():
        raise ParseError("empty", "文件是空的，请上传政府工作报告全文")
    if len(raw) > max_bytes:
        raise ParseError("too_large", "文件过大，请上传 5 MB 以内的报告")
    if b"\x00" in raw[:4096]:
        raise ParseError("binary", "文件不是文本，请上传 .txt/.docx/.html/.md 格式的报告")
    for enc in ("utf-8", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ParseError("encoding", "无法识别文件编码，请另存为 UTF-8 后重新上传")
    anchor = text.find("2021年工作安排")
    if anchor < 0:
        raise ParseError("not_a_report", "未找到“工作安排”部分，请确认上传的是政府工作报告")
    tasks = []
    for pm in re.finditer(r"[^\n]+", text[anchor:]):
        para_start = anchor + pm.start()
        para = pm.group()
        sentences = list(re.finditer(r"[^。]+。", para))
        if len(sentences) < 2:
            continue
        theme = sentences[0].group().strip("　 。")
        for sm in sentences[1:]:
            s = para_start + sm.start()
            e = para_start + sm.end()
            t = text[s:e]
            targets = [
                {
                    "text": m.group(),
                    "indicator": m.group(1),
                    "value": float(m.group(2)),
                    "value_max": None,
                    "unit": m.group(3),
                    "comparator": "=",
                    "plan_year": 2021,
                    "start": s + m.start(),
                    "end": s + m.end(),
                }
                for m in re.finditer(r"([\u4e00-\u9fff]{2,8}?)(\d+(?:\.\d+)?)(万?[个家座人所亿元]+)", t)
            ]
            sugg = [{"name": v, "score": 0.8, "because": [k]} for k, v in KEYWORDS.items() if k in t]
            tasks.append(
                {
                    "id": f"3.{len(tasks) + 1}",
                    "section": "三",
                    "part": "",
                    "theme": theme,
                    "text": t,
                    "start": s,
                    "end": e,
                    "plan_year": 2021,
                    "targets": targets,
                    "deadline": {"text": "年内", "date": "2021-12-31", "kind": "by", "start": s, "end": s}
                    if "年内" in t
                    else None,
                    "places": [],
                    "suggested_units": sugg,
                }
            )
    return {
        "schema": "duban.workplan/1",
        "source": {
            "name": name,
            "sha256": hashlib.sha256(raw).hexdigest(),
            "encoding": enc,
            "chars": len(text),
        },
        "title": "2021年山西省政府工作报告",
        "plan_year": year or 2021,
        "sections": [],
        "tasks": tasks,
    }


def install():
    if "duban.workplan" in sys.modules:
        return
    try:
        import duban.workplan  # noqa: F401
    except ImportError:
        mod = types.ModuleType("duban.workplan")
        mod.decompose = decompose
        mod.ParseError = ParseError
        sys.modules["duban.workplan"] = mod
