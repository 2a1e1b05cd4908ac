"""The rating section of the portal's case page (好差评): per stage (受理, 办结) the form while the stage may
be rated, the rating once given, the rater's one change while the edit window is open, and the follow-up
of a bad rating with its rectification result. A tag, so that the case page's view needs no change."""

from django import template
from django.conf import settings

from approvals.evaluation import CASE_STAGES, is_rater, may_change, stage_done, tag_labels
from approvals.forms_evaluation import EvaluationForm, stars
from approvals.models import Evaluation

register = template.Library()


@register.inclusion_tag("approvals/portal/_evaluation.html", takes_context=True)
def evaluation_section(context):
    """Needs ``case`` (from ``selectors.case_detail``, which prefetches its ratings) in the context; a bound
    ``evaluation_form`` with errors when the rating view re-renders the page."""
    case = context["case"]
    user = context["request"].user
    bound = context.get("evaluation_form")
    stages = []
    for stage in reversed(CASE_STAGES):  # the result first: it is what the applicant came for
        if not stage_done(case, stage):
            continue
        evaluation = case.rating_for(stage)
        form = None
        if evaluation is None or may_change(user, evaluation):
            if bound is not None and bound.data.get("stage", Evaluation.Stage.RESULT) == stage:
                form = bound
            else:
                initial = {"stage": stage}
                if evaluation is not None:
                    initial.update(level=evaluation.level, comment=evaluation.comment, tags=evaluation.tags)
                form = EvaluationForm(auto_id=f"rating-{stage}-%s", initial=initial)
        stages.append({
            "stage": stage, "label": Evaluation.Stage(stage).label, "evaluation": evaluation, "form": form,
            "stars": stars(evaluation.level) if evaluation is not None else "",
            "tags": tag_labels(evaluation) if evaluation is not None else [],
            "follow_up": getattr(evaluation, "follow_up", None) if evaluation is not None else None,
        })  # fmt: skip
    return {
        "case": case, "stages": stages, "is_party": is_rater(user, case), "csrf_token": context.get("csrf_token"),
        "edit_hours": settings.RATING_EDIT_HOURS,
    }  # fmt: skip
