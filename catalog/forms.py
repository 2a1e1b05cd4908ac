"""Admin forms of the catalog editor (目录管理): the version form and the workflow action pages.

The version and fee forms leave validation to the models' ``clean()`` so that the admin shows
the same Chinese messages as the import and the services (承诺时限、收费依据 …) next to the field.
"""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import NON_FIELD_ERRORS

from catalog.models import CatalogChange, FeeStandard, Item, ItemVersion
from hall.models import Department

OPEN_STATES = (ItemVersion.State.DRAFT, ItemVersion.State.IN_REVIEW)
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ItemVersionAdminForm(forms.ModelForm):
    """Number and state are never typed in: the admin numbers a new version and keeps it a draft."""

    class Meta:
        model = ItemVersion
        fields = (
            "item", "legal_basis", "implementing_body", "conditions", "statutory_days", "committed_days",
            "handling_kind", "decision_authority", "report_to", "report_days", "upper_days", "joint",
            "joint_departments", "separation_of_duties", "tell_and_commit", "result_name",
            "result_type", "result_sample", "channel_window", "channel_online", "channel_express", "visits",
            "holiday_service", "office_hours", "location", "consult_phone", "complaint_phone", "charges_fees",
            "intermediary_services",
        )  # fmt: skip
        labels = {"item": "事项"}
        widgets = {
            "legal_basis": forms.Textarea(attrs={"rows": 4, "cols": 80}),
            "conditions": forms.Textarea(attrs={"rows": 4, "cols": 80}),
            "intermediary_services": forms.Textarea(attrs={"rows": 2, "cols": 80}),
        }

    def clean(self):
        cleaned = super().clean()
        item = cleaned.get("item")
        if self.instance.pk is None and item is not None:
            if item.status in (Item.Status.CANCELLED, Item.Status.CONVERTED):
                self.add_error("item", "已取消或已改为备案的事项不能新增版本。")
            elif item.versions.filter(state__in=OPEN_STATES).exists():
                self.add_error("item", "该事项已有草稿或待审核版本，请直接修改该版本。")
            elif item.versions.exists():
                self.add_error("item", "该事项已有版本：请在事项页面点击“新建草稿”，以现行版本为基础修改。")
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        # The check constraint repeats clean()'s message (承诺时限 ≤ 法定时限) as a form-wide error:
        # show it once, next to the field.
        if NON_FIELD_ERRORS in self._errors:
            at_fields = {m for name, errs in self._errors.items() if name != NON_FIELD_ERRORS for m in errs}
            remaining = [m for m in self._errors[NON_FIELD_ERRORS] if m not in at_fields]
            if remaining:
                self._errors[NON_FIELD_ERRORS] = self.error_class(remaining, error_class="nonfield")
            else:
                del self._errors[NON_FIELD_ERRORS]


class FeeStandardInlineForm(forms.ModelForm):
    """A fee without a basis gets the model's message citing 行政许可法 art. 58, not a bare "required"."""

    class Meta:
        model = FeeStandard
        fields = ("position", "name", "amount_fen", "rule", "basis", "reducible")
        widgets = {"basis": forms.Textarea(attrs={"rows": 2, "cols": 30})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "basis" in self.fields:
            self.fields["basis"].required = False


# --- workflow action pages --------------------------------------------------------------------------


class ActionForm(forms.Form):
    """Base of the action pages; ``item`` is the item acted on, ``admin_site`` serves autocompletes."""

    required_css_class = "required"

    def __init__(self, *args, item: Item, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        self.item, self.admin_site = item, admin_site


class ConfirmForm(ActionForm):
    """Nothing to fill in: the page says what the action does and its button confirms it (WCAG 3.3.4)."""


class DecisionForm(ActionForm):
    """动态管理 needs the decision that ordered it: 决定文号 and 决定日期 are published with the change."""

    document = forms.CharField(label="决定文号", max_length=100, help_text="如：某府发〔2026〕12号")
    decided_on = forms.DateField(label="决定日期", widget=DATE_INPUT)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class CancelItemForm(DecisionForm):
    pass


class DelegateItemForm(DecisionForm):
    to = forms.ModelMultipleChoiceField(
        label="下放至",
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="承接下放的乡镇（街道）便民服务中心",
    )
    field_order = ["to", "document", "decided_on", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = Department.objects.filter(level=Department.Level.TOWNSHIP, is_active=True)


class ConvertItemForm(DecisionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built here: the autocomplete widget needs the admin site (the item list may be long).
        self.fields = {
            "replaced_by": forms.ModelChoiceField(
                label="改为备案后的事项",
                queryset=Item.objects.exclude(pk=self.item.pk),
                required=False,
                widget=AutocompleteSelect(Item._meta.get_field("replaced_by"), self.admin_site),
                help_text="可选：承接的备案类事项",
            ),
            **self.fields,
        }


class MergeSplitForm(DecisionForm):
    action = forms.ChoiceField(
        label="变更类型",
        choices=[(a.value, a.label) for a in (CatalogChange.Action.MERGE, CatalogChange.Action.SPLIT)],
        widget=forms.RadioSelect,
    )
    field_order = ["action", "document", "decided_on", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        related = forms.ModelMultipleChoiceField(
            label="相关事项",
            queryset=Item.objects.exclude(pk=self.item.pk),
            widget=AutocompleteSelectMultiple(CatalogChange._meta.get_field("related_items"), self.admin_site),
            help_text="合并入的或拆分出的事项",
        )
        self.fields = {"action": self.fields.pop("action"), "related": related, **self.fields}


class ReturnVersionForm(ActionForm):
    reason = forms.CharField(label="退回理由", widget=forms.Textarea(attrs={"rows": 4, "cols": 60}))


class PublishVersionForm(ActionForm):
    document = forms.CharField(label="决定文号", max_length=100, required=False)
    decided_on = forms.DateField(label="决定日期", required=False, widget=DATE_INPUT)
