"""Public catalog pages (办事指南)."""

from django.shortcuts import render

from catalog.selectors import search_items


def search(request):
    items = search_items(q=request.GET.get("q", ""))[:20]
    return render(request, "catalog/search.html", {"items": items})
