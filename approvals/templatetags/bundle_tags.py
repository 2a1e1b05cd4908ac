"""一件事 on the applicant's pages: their bundle cases above 我的办件, and the bundle a sub-case belongs to."""

from django import template
from django.db.models import Q

from approvals import bundle_selectors

register = template.Library()

MY_BUNDLES = 10


@register.inclusion_tag("approvals/_my_bundles.html")
def my_bundles(user):
    """The user's newest bundle cases with one progress each (two queries)."""
    rows = list(
        bundle_selectors.bundle_cases_for(user).filter(Q(owner=user) | Q(filed_by=user))[:MY_BUNDLES]
    ) if user.is_authenticated else []  # fmt: skip
    for row in rows:
        row.progress = bundle_selectors.progress(row)
    return {"rows": rows}
