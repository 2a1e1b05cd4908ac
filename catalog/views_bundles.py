"""Public 一件事 pages: the list of bundles and one bundle's merged guide (一次告知)."""

from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from catalog import bundles


def bundle_list(request):
    """高效办成一件事: the published bundles with their member items and departments."""
    guides = [bundles.guide_for(bundle) for bundle in bundles.public_bundles()]
    return render(request, "catalog/bundles.html", {"guides": guides})


def bundle(request, code: str):
    """One bundle's guide: merged conditions, one material list (each material once), the longest limit."""
    guide = bundles.guide(code)
    if guide is None:
        raise Http404("没有这个一件事。")
    try:
        apply_url = reverse("approvals:bundle_start", args=[guide.bundle.code]) if guide.online else None
    except NoReverseMatch:  # the portal is not installed
        apply_url = None
    return render(request, "catalog/bundle.html", {"guide": guide, "bundle": guide.bundle, "apply_url": apply_url})
