"""Catalog API at 10,000 published items: p95 of the list (plain, filtered, text search, deep page)
and the detail, against a bare view in the same run; the query count must not depend on the size.

    .venv/bin/python bench/catalog_list.py [--items 10000]
"""

import argparse

from common import count_queries, report, setup_django, timed

WORDS = ["食品经营许可", "不动产登记", "建设工程施工许可", "道路运输经营许可", "医疗机构执业登记", "结婚登记",
         "户口迁移", "社会保险登记", "环境影响评价审批", "公共场所卫生许可"]  # fmt: skip


def build(n: int) -> None:
    from django.db import transaction

    from catalog.models import FeeStandard, Item, ItemVersion, MaterialRequirement
    from hall.models import Department

    if Item.objects.filter(code__startswith="BENCH-").count() >= n:
        return
    departments = []
    for i in range(10):
        dept, _ = Department.objects.get_or_create(code=f"BD{i}", defaults={"name": f"基准部门{i}"})
        departments.append(dept)
    with transaction.atomic():
        items = Item.objects.bulk_create(
            Item(
                code=f"BENCH-{i:06d}",
                name=f"{WORDS[i % len(WORDS)]}（{i}）",
                department=departments[i % 10],
                type="01",
                status="published",
                for_person=i % 2 == 0,
                for_legal=i % 2 == 1,
                search_text=f"{WORDS[i % len(WORDS)]} 基准部门{i % 10} 申请书 身份证明 营业执照".lower(),
                pinyin_initials="bench",
            )
            for i in range(n)
        )
        versions = ItemVersion.objects.bulk_create(
            ItemVersion(
                item=item, number=1, state="published", legal_basis="《中华人民共和国行政许可法》",
                implementing_body=item.department.name, conditions="符合条件", statutory_days=20,
                committed_days=5, handling_kind="promise", result_name="许可证", result_type="licence",
                consult_phone="12345", charges_fees=True,
            )
            for item in items
        )  # fmt: skip
        for item, version in zip(items, versions, strict=True):
            item.current_version = version
        Item.objects.bulk_update(items, ["current_version"], batch_size=2000)
        MaterialRequirement.objects.bulk_create(
            MaterialRequirement(version=v, position=p, name=f"材料{p}", form="copy", source="applicant")
            for v in versions
            for p in range(5)
        )
        FeeStandard.objects.bulk_create(
            FeeStandard(version=v, name="工本费", amount_fen=1000, basis="依据") for v in versions
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    setup_django()
    build(args.items)
    from django.db import connection
    from django.test import Client

    from catalog.models import Item

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client()
    code = Item.objects.filter(code__startswith="BENCH-").order_by("code").values_list("code", flat=True)[5000]

    def get(url):
        return lambda: client.get(url)

    cases = {
        "baseline_bare_view": "/healthz/live",
        "list_first_page": "/api/v1/catalog/items",
        "list_department_filter": "/api/v1/catalog/items?department=BD3",
        "list_text_search": "/api/v1/catalog/items?q=食品",
        "list_page_100": "/api/v1/catalog/items?page=100",
        "detail": f"/api/v1/catalog/items/{code}",
    }
    results = {"items": Item.objects.count(), "database": connection.vendor, "cases": {}}
    for name, url in cases.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:200])
        stats = timed(get(url), repeat=args.repeat)
        stats["queries"] = count_queries(get(url))
        results["cases"][name] = stats
    base = results["cases"]["baseline_bare_view"]["p95_ms"]
    for stats in results["cases"].values():
        stats["p95_vs_baseline"] = round(stats["p95_ms"] / base, 1)
    report("catalog_list", results)
    worst = max(s["p95_ms"] for n, s in results["cases"].items() if n.startswith("list"))
    print(f"\nworst list p95: {worst} ms (target < 100 ms)")


if __name__ == "__main__":
    main()
