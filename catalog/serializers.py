"""The item shape of DESIGN.md (API), plus more fields."""

from rest_framework import serializers

from catalog.models import Item, ItemType, ItemVersion
from hall.serializers import DepartmentRefSerializer

# The item shapes are built by hand in ``to_representation`` (one pass, no per-field lookups); the
# declared fields below are what the OpenAPI schema describes, and must say the same.


class MaterialSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    required = serializers.BooleanField()
    condition = serializers.CharField()
    form = serializers.CharField()
    copies = serializers.IntegerField()
    source = serializers.CharField()
    source_note = serializers.CharField()
    e_licence = serializers.BooleanField()
    commitment_allowed = serializers.BooleanField(help_text="告知承诺制: a signed commitment may replace it")


class FeeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    amount_fen = serializers.IntegerField(required=False, help_text="fixed amount; absent when a rule applies")
    rule = serializers.CharField(required=False, help_text="how the amount is computed; absent for a fixed amount")
    basis = serializers.CharField()

    def to_representation(self, fee):
        data = super().to_representation(fee)
        if fee.amount_fen is None:
            data.pop("amount_fen")
        else:
            data.pop("rule")
        return data


class StepSerializer(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField()
    days = serializers.IntegerField()


class FieldSerializer(serializers.Serializer):
    """A field of the application form and what its values mean (checked when an application is filed)."""

    name = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField()
    required = serializers.BooleanField()
    choices = serializers.ListField(child=serializers.CharField())
    help_text = serializers.CharField()
    min_value = serializers.DecimalField(max_digits=19, decimal_places=6, allow_null=True, coerce_to_string=False,
                                         help_text="numbers: the smallest value (0 when null)")  # fmt: skip
    max_value = serializers.DecimalField(max_digits=19, decimal_places=6, allow_null=True, coerce_to_string=False)
    decimal_places = serializers.IntegerField(allow_null=True, help_text="numbers: at most this many decimals")
    date_rule = serializers.CharField(help_text="dates: '' (any), not_future or not_past (Asia/Shanghai today)")
    pattern = serializers.CharField(help_text="text: a regular expression the whole value must match")
    pattern_message = serializers.CharField(help_text="text: the format in words (Chinese), shown on a mismatch")


def _channels(version: ItemVersion) -> list[str]:
    return [n for n, on in (("window", version.channel_window), ("online", version.channel_online),
                            ("express", version.channel_express)) if on]  # fmt: skip


class ItemSummarySerializer(serializers.Serializer):
    """One row of the item list."""

    code = serializers.CharField()
    name = serializers.CharField()
    department = DepartmentRefSerializer()
    type = serializers.CharField()
    type_name = serializers.CharField()
    status = serializers.CharField()
    version = serializers.IntegerField()
    statutory_days = serializers.IntegerField()
    committed_days = serializers.IntegerField()
    handling_kind = serializers.CharField()
    joint = serializers.BooleanField()
    charges_fees = serializers.BooleanField()
    channels = serializers.ListField(child=serializers.CharField(), help_text="window, online, express")
    visits = serializers.IntegerField()
    holiday_service = serializers.BooleanField()

    def to_representation(self, item: Item):
        version = item.current_version
        return {
            "code": item.code,
            "name": item.name,
            "department": {"code": item.department.code, "name": item.department.name},
            "type": item.type,
            "type_name": item.get_type_display(),
            "status": item.status,
            "version": version.number,
            "statutory_days": version.statutory_days,
            "committed_days": version.committed_days,
            "handling_kind": version.handling_kind,
            "joint": version.joint,
            "charges_fees": version.charges_fees,
            "channels": _channels(version),
            "visits": version.visits,
            "holiday_service": version.holiday_service,
        }


class DecisionAuthoritySerializer(serializers.Serializer):
    """分级决定: ``kind`` department | chief_representative | report_up; a 上报件 names the upper level,
    the lower level's preliminary-review limit (art. 43) and the upper level's own decision limit."""

    kind = serializers.CharField()
    label = serializers.CharField()
    report_to = DepartmentRefSerializer(allow_null=True)
    report_days = serializers.IntegerField(allow_null=True)
    upper_days = serializers.IntegerField(allow_null=True)


def decision_authority(version: ItemVersion) -> dict:
    report_up = version.decision_authority == ItemVersion.Authority.REPORT_UP
    target = version.report_to if report_up else None
    return {
        "kind": version.decision_authority, "label": version.get_decision_authority_display(),
        "report_to": {"code": target.code, "name": target.name} if target else None,
        "report_days": version.report_days if report_up else None,
        "upper_days": version.upper_days if report_up else None,
    }  # fmt: skip


class ItemSerializer(serializers.Serializer):
    """An item as one published version shows it (the item shape of DESIGN.md, and more)."""

    code = serializers.CharField()
    name = serializers.CharField()
    department = DepartmentRefSerializer()
    type = serializers.CharField()
    type_name = serializers.CharField()
    level = serializers.CharField()
    status = serializers.CharField()
    delegated_to = DepartmentRefSerializer(many=True)
    themes = serializers.ListField(child=serializers.CharField())
    version = serializers.IntegerField()
    version_state = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    legal_basis = serializers.CharField()
    implementing_body = serializers.CharField()
    conditions = serializers.CharField()
    statutory_days = serializers.IntegerField()
    committed_days = serializers.IntegerField()
    handling_kind = serializers.CharField()
    decision_authority = DecisionAuthoritySerializer()
    joint = serializers.BooleanField()
    joint_departments = DepartmentRefSerializer(many=True)
    result_name = serializers.CharField()
    result_type = serializers.CharField()
    channels = serializers.ListField(child=serializers.CharField(), help_text="window, online, express")
    visits = serializers.IntegerField()
    holiday_service = serializers.BooleanField()
    tell_and_commit = serializers.BooleanField()
    commitment_text = serializers.CharField(help_text="告知承诺书: what is promised, consequences of a false promise")
    verification_days = serializers.IntegerField(help_text="working days after the decision for post-verification")
    instant_rule = serializers.DictField(help_text="秒批 rule of this version ({} when none)")
    regulator = DepartmentRefSerializer(allow_null=True, help_text="监管部门 the decisions are pushed to")
    intermediary_services = serializers.CharField()
    consult_phone = serializers.CharField()
    complaint_phone = serializers.CharField()
    office_hours = serializers.CharField()
    location = serializers.CharField()
    charges_fees = serializers.BooleanField()
    materials = MaterialSerializer(many=True)
    fees = FeeSerializer(many=True)
    steps = StepSerializer(many=True)
    form_fields = FieldSerializer(many=True)

    def to_representation(self, version: ItemVersion):
        item = version.item
        return {
            "code": item.code,
            "name": item.name,
            "department": {"code": item.department.code, "name": item.department.name},
            "type": item.type,
            "type_name": ItemType(item.type).label,
            "level": item.level,
            "status": item.status,
            "delegated_to": [{"code": d.code, "name": d.name} for d in item.delegated_to.all()],
            "themes": [t.code for t in item.themes.all()],
            "version": version.number,
            "version_state": version.state,
            "published_at": version.published_at,
            "legal_basis": version.legal_basis,
            "implementing_body": version.implementing_body,
            "conditions": version.conditions,
            "statutory_days": version.statutory_days,
            "committed_days": version.committed_days,
            "handling_kind": version.handling_kind,
            "decision_authority": decision_authority(version),
            "joint": version.joint,
            "joint_departments": [{"code": d.code, "name": d.name} for d in version.joint_departments.all()],
            "result_name": version.result_name,
            "result_type": version.result_type,
            "channels": _channels(version),
            "visits": version.visits,
            "holiday_service": version.holiday_service,
            "tell_and_commit": version.tell_and_commit,
            "commitment_text": version.commitment_text,
            "verification_days": version.verification_days,
            "instant_rule": version.instant_rule,
            "regulator": (
                {"code": version.regulator.code, "name": version.regulator.name} if version.regulator else None
            ),
            "intermediary_services": version.intermediary_services,
            "consult_phone": version.consult_phone,
            "complaint_phone": version.complaint_phone,
            "office_hours": version.office_hours,
            "location": version.location,
            "charges_fees": version.charges_fees,
            "materials": MaterialSerializer(version.materials.all(), many=True).data,
            "fees": FeeSerializer(version.fees.all(), many=True).data,
            "steps": StepSerializer(version.steps.all(), many=True).data,
            "form_fields": FieldSerializer(version.fields.all(), many=True).data,
        }


class ItemFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)
    department = serializers.CharField(required=False, allow_blank=True, max_length=20)
    type = serializers.ChoiceField(choices=ItemType.choices, required=False, allow_blank=True)
    theme = serializers.CharField(required=False, allow_blank=True, max_length=40)
    audience = serializers.ChoiceField(choices=["person", "legal"], required=False, allow_blank=True)


class VersionQuerySerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1, max_value=100000)
