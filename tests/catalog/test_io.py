"""import_catalog / export_catalog: one format, validated, all or nothing."""

import copy
import json

import pytest
import yaml
from django.core.management import CommandError, call_command

import catalog.demo
from catalog.io import CatalogFileError, export_catalog, import_catalog
from catalog.models import Item, ItemVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_data(demo_catalog):
    return copy.deepcopy(catalog.demo._data())


def first_item(data, **changes):
    item = copy.deepcopy(data["items"][0])
    item["code"] = "TEST-XK-0001"
    item["status"], item["decision"], item["delegated_to"] = "published", None, []
    item["version"].update(changes)
    return item


def import_fails(data, *fragments):
    before = (Item.objects.count(), ItemVersion.objects.count())
    with pytest.raises(CatalogFileError) as error:
        import_catalog(data)
    text = "\n".join(error.value.errors)
    for fragment in fragments:
        assert fragment in text, text
    assert (Item.objects.count(), ItemVersion.objects.count()) == before
    return text


def test_the_demo_file_imports_and_reimports_unchanged(demo_data):
    report = import_catalog(demo_data)
    assert report.created == report.revised == 0
    assert report.unchanged == len(demo_data["items"]) >= 30


def test_committed_beyond_statutory_names_row_and_field(demo_data):
    bad = first_item(demo_data, statutory_days=5, committed_days=6)
    demo_data["items"] = [*demo_data["items"], bad]
    index = len(demo_data["items"]) - 1
    import_fails(demo_data, f"items[{index}] (TEST-XK-0001) version.committed_days", "承诺办结时限不得超过法定办结时限")


def test_negative_limit_is_refused(demo_data):
    demo_data["items"] = [first_item(demo_data, statutory_days=-1, committed_days=-1)]
    import_fails(demo_data, "version.statutory_days")


def test_fee_without_basis_is_refused(demo_data):
    item = first_item(demo_data)
    item["version"]["fees"] = [{"name": "工本费", "amount_fen": 1000, "rule": "", "basis": ""}]
    demo_data["items"] = [item]
    import_fails(demo_data, "version.fees[0].basis", "法律、行政法规依据")


def test_duplicate_code_is_refused(demo_data):
    demo_data["items"] = [first_item(demo_data), first_item(demo_data)]
    import_fails(demo_data, "items[1] (TEST-XK-0001) code", "重复")


def test_one_bad_row_imports_nothing(demo_data):
    good = first_item(demo_data)
    bad = first_item(demo_data)
    bad["code"], bad["department"] = "TEST-XK-0002", "NOPE"
    demo_data["items"] = [good, bad]
    import_fails(demo_data, "items[1] (TEST-XK-0002) department")
    assert not Item.objects.filter(code="TEST-XK-0001").exists()


def test_changed_item_gets_a_new_version(demo_data):
    row = demo_data["items"][0]
    row["version"]["consult_phone"] = "0571-1234 5678"
    report = import_catalog(demo_data)
    assert report.revised == 1
    item = Item.objects.get(code=row["code"])
    assert item.current_version.number == 2 and item.current_version.consult_phone == "0571-1234 5678"


def test_export_round_trips(demo_catalog, tmp_path):
    exported = export_catalog()
    assert len(exported["items"]) == Item.objects.exclude(current_version=None).count()
    statuses = {row["status"] for row in exported["items"]}
    assert {"published", "cancelled", "delegated", "converted_to_filing"} <= statuses
    report = import_catalog(json.loads(json.dumps(exported, default=str)))
    assert report.revised == 0 and report.status_changes == 0


def test_commands_in_both_formats(demo_catalog, tmp_path, capsys):
    yaml_file, json_file = tmp_path / "c.yaml", tmp_path / "c.json"
    call_command("export_catalog", str(yaml_file))
    call_command("export_catalog", str(json_file))
    assert yaml.safe_load(yaml_file.read_text())["format"] == json.loads(json_file.read_text())["format"]
    call_command("import_catalog", str(json_file), "--no-progress")
    assert "0 new, 0 revised" in capsys.readouterr().out


def test_bad_file_is_a_command_error(db, tmp_path):
    broken = tmp_path / "bad.yaml"
    broken.write_text("format: nope\n")
    with pytest.raises(CommandError, match="format"):
        call_command("import_catalog", str(broken))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_catalog", str(tmp_path / "missing.yaml"))
