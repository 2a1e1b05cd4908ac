"""What changed between two versions of an item: the admin's diff page and the public change notice.

Both read the file representation (``catalog.io.version_dict``), so a version compares the same way
whether it was typed in the admin or imported. Text is compared with line endings normalised:
browsers send ``\\r\\n`` from a textarea, and nobody changed anything by saving.
"""

from django.core.exceptions import FieldDoesNotExist

from catalog.io import CHANNELS, PART_SPECS, VERSION_FIELDS, version_dict
from catalog.models import ItemVersion
from catalog.text import normalise_newlines
from hall.models import Department

PART_EXTRA_FIELDS = {"materials": ("blank_form",)}
PART_FIELD_ALIASES = {"blank_form": "has_blank_form"}
# Values this short are quoted in the public notice (“承诺办结时限（工作日）：5 → 3”); longer ones are named only.
SHORT_VALUE = 20


def _verbose(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return ""


CHANNEL_LABELS = {name: _verbose(ItemVersion, attr) for name, attr in CHANNELS.items()}


def _same(a, b) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return normalise_newlines(a) == normalise_newlines(b)
    return a == b


def _display(model, name: str, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if name == "channels":
        return "、".join(CHANNEL_LABELS.get(v, v) for v in value)
    if name == "joint_departments":
        names = dict(Department.objects.filter(code__in=value).values_list("code", "name"))
        return "、".join(names.get(code, code) for code in value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    try:
        field = model._meta.get_field(PART_FIELD_ALIASES.get(name, name))
    except FieldDoesNotExist:
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _label(model, name: str) -> str:
    if name == "channels":
        return "办理渠道"
    if name == "joint_departments":
        return _verbose(ItemVersion, "joint_departments")
    return _verbose(model, PART_FIELD_ALIASES.get(name, name)) or name


def _row_changes(model, names, old: dict, new: dict) -> list[dict]:
    return [
        {"label": _label(model, n), "old": _display(model, n, old.get(n)), "new": _display(model, n, new.get(n))}
        for n in names
        if not _same(old.get(n), new.get(n))
    ]


def _row_summary(model, names, row: dict) -> list[dict]:
    return [{"label": _label(model, n), "value": _display(model, n, row.get(n))} for n in names if n != "name"]


def _diff_parts(model, names, old_rows: list[dict], new_rows: list[dict]) -> dict:
    """Rows matched by name (in order when a name repeats): added, removed and changed rows."""
    unmatched: dict[str, list[dict]] = {}
    for row in old_rows:
        unmatched.setdefault(row["name"], []).append(row)
    added, changed = [], []
    for row in new_rows:
        candidates = unmatched.get(row["name"])
        if not candidates:
            added.append({"name": row["name"], "fields": _row_summary(model, names, row)})
            continue
        if changes := _row_changes(model, names, candidates.pop(0), row):
            changed.append({"name": row["name"], "changes": changes})
    removed = [
        {"name": row["name"], "fields": _row_summary(model, names, row)} for rows in unmatched.values() for row in rows
    ]
    return {"added": added, "removed": removed, "changed": changed}


def version_diff(old: ItemVersion, new: ItemVersion) -> dict:
    """Field-by-field differences of the file representation (``catalog.io.version_dict``)."""
    a, b = version_dict(old), version_dict(new)
    scalars = _row_changes(ItemVersion, (*VERSION_FIELDS, "channels", "joint_departments"), a, b)
    parts = []
    for key, model, names in PART_SPECS:
        names = (*names, *PART_EXTRA_FIELDS.get(key, ()))
        part = _diff_parts(model, names, a[key], b[key])
        part["label"] = model._meta.verbose_name_plural
        part["unchanged"] = not (part["added"] or part["removed"] or part["changed"])
        parts.append(part)
    return {"scalars": scalars, "parts": parts, "unchanged": not scalars and all(p["unchanged"] for p in parts)}


def _quoted(names: list[str]) -> str:
    return "、".join(f"“{n}”" for n in names)


def change_summary(old: ItemVersion, new: ItemVersion) -> str:
    """The public change notice's words for a revision (动态管理): which elements changed, in Chinese.

    ``承诺办结时限（工作日）：5 → 3；受理条件；申请材料：新增“授权委托书”，删除“户口簿”`` — short values
    are quoted with their old and new value, long texts (依据、条件) are named.
    """
    diff = version_diff(old, new)
    if diff["unchanged"]:
        return "内容与上一版相同"
    phrases = []
    for row in diff["scalars"]:
        short = "\n" not in row["old"] + row["new"] and max(len(row["old"]), len(row["new"])) <= SHORT_VALUE
        phrases.append(f"{row['label']}：{row['old']} → {row['new']}" if short else row["label"])
    for part in diff["parts"]:
        if part["unchanged"]:
            continue
        bits = []
        if part["added"]:
            bits.append("新增" + _quoted([r["name"] for r in part["added"]]))
        if part["removed"]:
            bits.append("删除" + _quoted([r["name"] for r in part["removed"]]))
        if part["changed"]:
            bits.append("修改" + _quoted([r["name"] for r in part["changed"]]))
        phrases.append(f"{part['label']}：{'，'.join(bits)}")
    return "；".join(phrases)
