"""The 秒批 (rule-based instant approval) rule of an item version: its shape, validation and wording.

A rule is part of the version (``ItemVersion.instant_rule``), so it is published, frozen and
superseded with it: a case approved by a rule names the version it was filed under, and that
version's rule never changes afterwards. ``approvals.instant`` evaluates it on submission.

Shape (JSON, also in the catalog file)::

    {"name": "…",
     "conditions": [{"field": "site_area", "op": "lte", "value": 500}, …],
     "materials": [{"material": "<material name>", "source": "approved_case", "item_code": "…"}, …]}

- ``conditions``: every one must hold on the filed form (``op``: eq, ne, in, lt, lte, gt, gte);
- ``materials``: each named material must be satisfied from a trusted source — ``approved_case``: an
  earlier approved (not revoked) case of the same applicant (same identity number) of ``item_code``
  (default: the same item) holding that material, which is attached to the case as evidence;
  ``upload``: the applicant uploaded it; ``licence``: a valid e-licence of the applicant, of the
  requirement's type, chosen for the material in the filing (免证办). Materials the rule does not
  name must be uploaded as usual (art. 32: complete).
"""

OPS = {
    "eq": "等于",
    "ne": "不等于",
    "in": "属于",
    "lt": "小于",
    "lte": "不大于",
    "gt": "大于",
    "gte": "不小于",
}
SOURCES = {
    "approved_case": "本人此前已准予的办件",
    "upload": "申请人上传",
    "licence": "本人的电子证照",
}


def rule_errors(rule) -> list[str]:
    """What is wrong with a rule, in Chinese (empty when it is usable)."""
    if not isinstance(rule, dict):
        return ["秒批规则须为对象：{conditions: [...], materials: [...]}。"]
    errors = []
    conditions, materials = rule.get("conditions") or [], rule.get("materials") or []
    if not isinstance(conditions, list) or not isinstance(materials, list):
        return ["conditions 和 materials 须为列表。"]
    if not conditions and not materials:
        errors.append("秒批规则至少须有一项条件。")
    for index, condition in enumerate(conditions):
        if not isinstance(condition, dict) or not condition.get("field") or condition.get("op") not in OPS:
            errors.append(f"条件 {index + 1}：须有 field 和 op（{', '.join(OPS)}）。")
        elif condition["op"] == "in" and not isinstance(condition.get("value"), list):
            errors.append(f"条件 {index + 1}：op 为 in 时 value 须为列表。")
        elif "value" not in condition:
            errors.append(f"条件 {index + 1}：缺少 value。")
    for index, material in enumerate(materials):
        if not isinstance(material, dict) or not material.get("material") or material.get("source") not in SOURCES:
            errors.append(f"材料 {index + 1}：须有 material 和 source（{', '.join(SOURCES)}）。")
    return errors


def describe(rule: dict, labels: dict[str, str] | None = None) -> list[str]:
    """The rule in sentences for the item page and the supervisors' list."""
    labels = labels or {}
    lines = []
    for condition in rule.get("conditions") or []:
        value = condition.get("value")
        shown = "、".join(str(v) for v in value) if isinstance(value, list) else str(value)
        field = labels.get(condition.get("field"), condition.get("field"))
        lines.append(f"申请表“{field}”{OPS.get(condition.get('op'), condition.get('op'))} {shown}")
    for material in rule.get("materials") or []:
        source = SOURCES.get(material.get("source"), material.get("source"))
        item = f"（事项 {material['item_code']}）" if material.get("item_code") else ""
        lines.append(f"材料“{material.get('material')}”来自{source}{item}")
    return lines
