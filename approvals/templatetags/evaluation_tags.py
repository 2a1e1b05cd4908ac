"""The rating section of the portal's case page (好差评): the form while the case may be rated, the
rating once given. A tag, so that the case page's view needs no change to show it."""

from django import template

from approvals.forms_evaluation import EvaluationForm, stars

register = template.Library()


@register.inclusion_tag("approvals/portal/_evaluation.html", takes_context=True)
def evaluation_section(context):
    """Needs ``case`` (from ``selectors.case_detail``, which joins its evaluation) in the context; a bound
    ``evaluation_form`` with errors when the rating view re-renders the page."""
    case = context["case"]
    evaluation = getattr(case, "evaluation", None)
    form = None
    if evaluation is None:
        form = context.get("evaluation_form") or EvaluationForm(auto_id="rating-%s")
    return {
        "case": case,
        "evaluation": evaluation,
        "stars": stars(evaluation.level) if evaluation is not None else "",
        "form": form,
        "csrf_token": context.get("csrf_token"),
    }
