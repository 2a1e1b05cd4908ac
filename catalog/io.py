"""Catalog import and export in one file format (``service-hall-catalog/1``, YAML or JSON).

The format is what ``catalog/demo/catalog.yaml`` shows and docs/catalog.md documents. An import
validates the whole file first and names the row and field of every error; only a valid file is
written, in one transaction. Re-importing an unchanged item creates nothing; a changed one gets a
new version that supersedes the current one.
"""

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from catalog import services
from catalog.models import (
    FeeStandard,
    FormField,
    Item,
    ItemVersion,
    MaterialRequirement,
    ProcessStep,
    Theme,
)
from catalog.text import normalise_text_fields
from hall.models import Department

FORMAT = "service-hall-catalog/1"
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~20x faster on large files
STATUSES = {"published", "cancelled", "delegated", "converted_to_filing"}

VERSION_FIELDS = (
    "legal_basis", "implementing_body", "conditions", "statutory_days", "committed_days", "handling_kind", "joint",
    "result_name", "result_type", "visits", "holiday_service", "consult_phone", "complaint_phone",
    "intermediary_services", "tell_and_commit", "office_hours", "location", "separation_of_duties",
)  # fmt: skip
# 分级决定 (issue 17): written to the file only when a version departs from the default (the department's
# approver decides), so that versions without them keep their content hash.
AUTHORITY_DEFAULTS = {"decision_authority": "department", "report_to": None, "report_days": 20, "upper_days": 20}
CHANNELS = {"window": "channel_window", "online": "channel_online", "express": "channel_express"}
MATERIAL_FIELDS = ("name", "form", "copies", "source", "source_note", "required", "condition", "e_licence", "note",
                   "commitment_allowed")  # fmt: skip
FEE_FIELDS = ("name", "amount_fen", "rule", "basis", "reducible")
STEP_FIELDS = ("name", "role", "days")
FORM_FIELDS = ("name", "label", "type", "required", "choices", "help_text")
# What a form field's values mean (issue 14): written to the file only when set, so that versions without
# them keep their content hash (and re-importing an unchanged file still changes nothing).
FORM_FIELD_MEANING = (
    "min_value", "max_value", "decimal_places", "date_rule", "pattern", "pattern_message", "example",
)  # fmt: skip
# 一件事 (catalog.bundles.material_key): written only when set, so that versions without it keep their hash.
MATERIAL_SHARING = ("share_key",)
# E-licence elements (issue 18), written to the file only when set, like FORM_FIELD_MEANING: versions
# without them keep their content hash.
LICENCE_FIELDS = ("licence_type_code", "licence_validity_years")
MATERIAL_LICENCE_FIELDS = ("licence_type_code",)
# 告知承诺制, 秒批 and the regulator (issue 17): written only when set, like the form fields' meaning.
VERSION_EXTRAS = ("commitment_text", "verification_days", "instant_rule")
VERSION_EXTRA_DEFAULTS = {"commitment_text": "", "verification_days": 20, "instant_rule": {}}
MATERIAL_EXTRAS = ("commitment_allowed",)
PART_SPECS = (
    ("materials", MaterialRequirement, MATERIAL_FIELDS + MATERIAL_SHARING + MATERIAL_LICENCE_FIELDS),
    ("fees", FeeStandard, FEE_FIELDS),
    ("steps", ProcessStep, STEP_FIELDS),
    ("fields", FormField, FORM_FIELDS + FORM_FIELD_MEANING),
)


class CatalogFileError(Exception):
    """The file is not importable; ``errors`` lists every problem as 'items[3] (CODE) field: message'."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportReport:
    created: int = 0
    revised: int = 0
    unchanged: int = 0
    status_changes: int = 0
    themes: int = 0
    codes: list[str] = field(default_factory=list)


# --- reading -------------------------------------------------------------------------------------


def read_file(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.load(text, Loader=YAML_LOADER)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise CatalogFileError([f"文件无法解析：{exc}"]) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CatalogFileError([f"文件格式须为 format: {FORMAT}"])
    return data


@dataclass
class PlannedItem:
    row: dict
    item_fields: dict
    version: ItemVersion
    parts: dict[str, list]
    joint_codes: list[str]
    theme_codes: list[str]


def _bool(row: dict, key: str, default=False) -> bool:
    value = row.get(key, default)
    if not isinstance(value, bool):
        raise ValidationError({key: "须为 true 或 false。"})
    return value


def _plan_item(row: dict, departments: dict[str, Department], theme_codes: set[str]) -> PlannedItem:
    """Unsaved objects for one row, fully validated; raises ValidationError keyed by field path."""
    errors: dict[str, list[str]] = {}
    if not isinstance(row, dict):
        raise ValidationError({"__all__": "每个事项须为一个映射。"})
    department = departments.get(row.get("department", ""))
    if department is None:
        errors["department"] = [f"未知部门编码 {row.get('department')!r}。"]
    audience = row.get("audience") or []
    item = Item(
        code=str(row.get("code", "")),
        name=str(row.get("name", "")),
        department=department,
        type=str(row.get("type", "")),
        level=str(row.get("level", "4")),
        for_person="person" in audience,
        for_legal="legal" in audience,
        keywords=" ".join(row.get("keywords") or []),
    )
    try:
        item.clean_fields(exclude=["department", "current_version", "replaced_by"])  # existing codes are updated
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if row.get("status", "published") not in STATUSES:
        errors["status"] = [f"状态须为 {', '.join(sorted(STATUSES))} 之一。"]
    unknown_themes = [t for t in row.get("themes") or [] if t not in theme_codes]
    if unknown_themes:
        errors["themes"] = [f"未知主题 {', '.join(unknown_themes)}。"]
    data = row.get("version")
    if not isinstance(data, dict):
        errors["version"] = ["缺少 version。"]
        raise ValidationError(errors)

    version = ItemVersion(**{f: data[f] for f in VERSION_FIELDS + VERSION_EXTRAS if f in data},
                          **{f: data[f] for f in LICENCE_FIELDS if data.get(f) not in (None, "")})  # fmt: skip
    regulator_code = data.get("regulator")
    if regulator_code:
        if regulator_code in departments:
            version.regulator = departments[regulator_code]
        else:
            errors["version.regulator"] = [f"未知部门编码 {regulator_code!r}。"]
    channels = data.get("channels") or []
    for name, attr in CHANNELS.items():
        setattr(version, attr, name in channels)
    version.charges_fees = bool(data.get("fees"))
    for name in ("decision_authority", "report_days", "upper_days"):
        if data.get(name) is not None:
            setattr(version, name, data[name])
    report_to = data.get("report_to")
    if report_to and report_to not in departments:
        errors["version.report_to"] = [f"未知部门编码 {report_to}。"]
    elif report_to:
        version.report_to = departments[report_to]
    normalise_text_fields(version)
    try:
        version.full_clean(exclude=["item", "number", "created_by", "submitted_by", "published_by", "regulator"])
    except ValidationError as exc:
        errors.update({f"version.{k}": v for k, v in exc.message_dict.items()})

    parts: dict[str, list] = {}
    for key, model, names in PART_SPECS:
        rows = data.get(key) or []
        parts[key] = []
        for index, part_row in enumerate(rows):
            values = {f: part_row[f] for f in names if f in part_row and part_row[f] is not None}
            for name in ("min_value", "max_value"):  # YAML's 0.01 is a float: keep the digits as written
                if isinstance(values.get(name), float):
                    values[name] = Decimal(str(values[name]))
            if model is MaterialRequirement:
                values["has_blank_form"] = bool(part_row.get("blank_form"))
            part = model(position=index, **values)
            normalise_text_fields(part)
            try:
                part.full_clean(exclude=["version"])
            except ValidationError as exc:
                errors.update({f"version.{key}[{index}].{k}": v for k, v in exc.message_dict.items()})
            parts[key].append(part)
    if not parts["materials"]:
        errors["version.materials"] = ["请至少列出一项申请材料。"]
    if problem := services.commitment_problem(version, parts["materials"]):
        errors["version.commitment_text"] = [problem]
    joint_codes = list(data.get("joint_departments") or [])
    if [c for c in joint_codes if c not in departments]:
        errors["version.joint_departments"] = [
            f"未知部门编码 {', '.join(c for c in joint_codes if c not in departments)}。"
        ]
    if version.joint and not joint_codes:
        errors["version.joint_departments"] = ["联合审批事项须列出联办部门。"]
    if errors:
        raise ValidationError(errors)
    item_fields = {f: getattr(item, f) for f in ("name", "department", "type", "for_person", "for_legal", "keywords")}
    return PlannedItem(row, item_fields, version, parts, joint_codes, list(row.get("themes") or []))


def _decision(row: dict) -> tuple[str, date | None, str]:
    decision = row.get("decision") or {}
    decided_on = decision.get("date")
    if isinstance(decided_on, str):
        decided_on = date.fromisoformat(decided_on)
    return decision.get("document", ""), decided_on, decision.get("note", "")


def validate(data: dict) -> list[PlannedItem]:
    """Every row checked before anything is written; raises CatalogFileError listing all problems."""
    departments = {d.code: d for d in Department.objects.all()}
    theme_codes = {t["code"] for t in data.get("themes") or [] if isinstance(t, dict)}
    theme_codes |= set(Theme.objects.values_list("code", flat=True))
    errors, planned, seen = [], [], {}
    rows = data.get("items")
    if not isinstance(rows, list):
        raise CatalogFileError(["缺少 items 列表。"])
    for index, row in enumerate(rows):
        code = row.get("code") if isinstance(row, dict) else None
        where = f"items[{index}] ({code})"
        if code in seen:
            errors.append(f"{where} code: 事项编码与 items[{seen[code]}] 重复。")
        seen.setdefault(code, index)
        try:
            plan = _plan_item(row, departments, theme_codes)
            status = row.get("status", "published")
            if status != "published":
                document, decided_on, _ = _decision(row)
                if not document or decided_on is None:
                    raise ValidationError({"decision": "取消、下放、改为备案须填写决定文号和日期。"})
            if status == "delegated":
                targets = row.get("delegated_to") or []
                bad = [c for c in targets if departments.get(c) is None or departments[c].level != "5"]
                if not targets or bad:
                    raise ValidationError({"delegated_to": "下放须列出承接的乡镇（街道）部门编码。"})
            planned.append(plan)
        except (ValidationError, ValueError) as exc:
            messages = exc.message_dict if isinstance(exc, ValidationError) else {"decision.date": [str(exc)]}
            errors += [f"{where} {f}: {'；'.join(m)}" for f, m in messages.items()]
    if errors:
        raise CatalogFileError(errors)
    return planned


# --- serialising (shared by export and the "unchanged?" check) -------------------------------------


def _parts_dict(key: str, parts: Iterable) -> list[dict]:
    names = dict((k, n) for k, _, n in PART_SPECS)[key]
    out = []
    for part in parts:
        values = {f: getattr(part, f) for f in names}
        if key == "materials":
            values["blank_form"] = part.has_blank_form
            for name in (*MATERIAL_SHARING, *MATERIAL_LICENCE_FIELDS, *MATERIAL_EXTRAS):
                if not values[name]:
                    del values[name]
        if key == "fields":
            for name in FORM_FIELD_MEANING:
                if values[name] in (None, ""):
                    del values[name]
                elif isinstance(values[name], Decimal):  # YAML and JSON numbers: 12000, not "12000.000000"
                    number = values[name]
                    values[name] = int(number) if number == number.to_integral_value() else float(number)
        out.append(values)
    return out


def version_dict(version: ItemVersion, parts: dict[str, list] | None = None, joint_codes=None) -> dict:
    """The file representation of a version (saved, or unsaved with its planned parts)."""
    data = {f: getattr(version, f) for f in VERSION_FIELDS}
    data |= {f: getattr(version, f) for f in LICENCE_FIELDS if getattr(version, f) not in (None, "")}
    for name in VERSION_EXTRAS:
        if getattr(version, name) != VERSION_EXTRA_DEFAULTS[name]:
            data[name] = getattr(version, name)
    if version.regulator_id:
        data["regulator"] = version.regulator.code
    data["channels"] = [name for name, attr in CHANNELS.items() if getattr(version, attr)]
    if parts is None:
        parts = {key: list(getattr(version, key).all()) for key, _, _ in PART_SPECS}
        joint_codes = sorted(version.joint_departments.values_list("code", flat=True))
    data["joint_departments"] = sorted(joint_codes or [])
    authority = {
        "decision_authority": version.decision_authority, "report_days": version.report_days,
        "upper_days": version.upper_days, "report_to": version.report_to.code if version.report_to_id else None,
    }  # fmt: skip
    data.update({k: v for k, v in authority.items() if v != AUTHORITY_DEFAULTS[k]})
    for key, _, _ in PART_SPECS:
        data[key] = _parts_dict(key, parts[key])
    return data


def content_hash(version: ItemVersion, parts=None, joint_codes=None) -> str:
    canonical = json.dumps(version_dict(version, parts, joint_codes), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- writing ---------------------------------------------------------------------------------------


def _write_version(item: Item, plan: PlannedItem, departments: dict[str, Department]) -> ItemVersion:
    latest = item.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = plan.version
    version.item, version.number, version.state = item, latest + 1, ItemVersion.State.IN_REVIEW
    version.save()
    version.joint_departments.set([departments[c] for c in plan.joint_codes])
    for key, model, _ in PART_SPECS:
        for part in plan.parts[key]:
            part.version = version
        model.objects.bulk_create(plan.parts[key])
    return version


def _apply_status(item: Item, row: dict, departments, report: ImportReport) -> None:
    status = row.get("status", "published")
    document, decided_on, note = _decision(row)
    if status == "cancelled" and item.status != Item.Status.CANCELLED:
        services.cancel_item(item=item, document=document, decided_on=decided_on, note=note, by=None)
    elif status == "converted_to_filing" and item.status != Item.Status.CONVERTED:
        services.convert_to_filing(item=item, document=document, decided_on=decided_on, note=note, by=None)
    elif status == "delegated":
        targets = [departments[c] for c in row.get("delegated_to") or []]
        if set(item.delegated_to.all()) != set(targets):
            services.delegate_item(item=item, to=targets, document=document, decided_on=decided_on, note=note, by=None)
        else:
            return
    else:
        return
    report.status_changes += 1


def import_catalog(data: dict, *, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Validate everything, then write in one transaction (all or nothing)."""
    planned = validate(data)
    report = ImportReport()
    departments = {d.code: d for d in Department.objects.all()}
    with transaction.atomic():
        for order, theme in enumerate(data.get("themes") or []):
            Theme.objects.update_or_create(
                code=theme["code"],
                defaults={"name": theme["name"], "audience": theme.get("audience", "both"), "sort_order": order},
            )
            report.themes += 1
        themes = {t.code: t for t in Theme.objects.all()}
        for plan in planned:
            code = plan.row["code"]
            item, created = Item.objects.get_or_create(
                code=code, defaults={**plan.item_fields, "level": plan.row.get("level", "4")}
            )
            if not created:
                Item.objects.filter(pk=item.pk).update(**plan.item_fields)
                item.refresh_from_db()
            item.themes.set([themes[c] for c in plan.theme_codes])
            new_hash = content_hash(plan.version, plan.parts, plan.joint_codes)
            current = item.current_version
            if current is None or current.content_hash != new_hash:
                if item.status in (Item.Status.CANCELLED, Item.Status.CONVERTED):
                    raise CatalogFileError([f"{code}: 已取消或已改为备案的事项不能导入新版本。"])
                services.publish_version(version=_write_version(item, plan, departments), by=None, four_eyes=False)
                if created:
                    report.created += 1
                else:
                    report.revised += 1
            else:
                report.unchanged += 1
            item.refresh_from_db()
            _apply_status(item, plan.row, departments, report)
            report.codes.append(code)
            if progress:
                progress(1)
    return report


def export_catalog(items=None) -> dict:
    """The directory in the import format: every item with its current (or latest) version."""
    from catalog.selectors import version_with_parts

    items = items if items is not None else Item.objects.all()
    items = items.filter(current_version__isnull=False).select_related("department")
    items = items.prefetch_related("themes", "delegated_to")
    versions = {v.pk: v for v in version_with_parts().filter(pk__in=items.values("current_version"))}
    out_items = []
    for item in items.order_by("code"):
        version = versions[item.current_version_id]
        status = {"cancelled": "cancelled", "converted": "converted_to_filing"}.get(item.status, "published")
        delegated = sorted(d.code for d in item.delegated_to.all())
        if delegated and status == "published":
            status = "delegated"
        change = item.changes.exclude(action__in=["publish", "revise"]).order_by("-at").first()
        out_items.append(
            {
                "code": item.code,
                "name": item.name,
                "department": item.department.code,
                "type": item.type,
                "level": item.level,
                "audience": [a for a, on in (("person", item.for_person), ("legal", item.for_legal)) if on],
                "themes": [t.code for t in item.themes.all()],
                "keywords": item.keywords.split(),
                "status": status,
                "decision": (
                    {"document": change.document, "date": change.decided_on, "note": change.note}
                    if change and status != "published"
                    else None
                ),
                "delegated_to": delegated,
                "version": version_dict(version),
            }
        )
    themes = [{"code": t.code, "name": t.name, "audience": t.audience} for t in Theme.objects.all()]
    return {"format": FORMAT, "themes": themes, "items": out_items}
