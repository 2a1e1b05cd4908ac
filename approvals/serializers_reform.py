"""API bodies and shapes of the reform modes (issue 17): commitments, verifications, revocation."""

from rest_framework import serializers


class RevokeApprovalSerializer(serializers.Serializer):
    """``revoke``: ``{reason, basis?}`` (basis defaults to 行政许可法 art. 69 and 国办发〔2020〕42号)."""

    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    basis = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class CommitmentBodySerializer(serializers.Serializer):
    """签署告知承诺书: the materials it replaces (ids of the item's ``materials`` with
    ``commitment_allowed``) and ``agree: true`` — the applicant read the text and its consequences."""

    requirement_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=100)
    agree = serializers.BooleanField()

    def validate_agree(self, value):
        if value is not True:
            raise serializers.ValidationError("须确认已阅读并同意承诺内容（agree: true）。")
        return value


class CommitmentSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    requirement_ids = serializers.SerializerMethodField()
    text = serializers.CharField()
    text_sha256 = serializers.CharField()
    signer_name = serializers.CharField()
    signed_at = serializers.DateTimeField()

    def get_requirement_ids(self, commitment) -> list[int]:
        return sorted(r.pk for r in commitment.requirements.all())


class VerificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = serializers.CharField(source="application.number")
    item_name = serializers.CharField(source="application.item.name")
    department = serializers.SerializerMethodField()
    due_at = serializers.DateTimeField()
    outcome = serializers.CharField()
    finding = serializers.CharField()
    verified_at = serializers.DateTimeField(allow_null=True)

    def get_department(self, verification) -> dict:
        return {"code": verification.department.code, "name": verification.department.name}


class VerificationResultSerializer(serializers.Serializer):
    # a plain string (the service checks it): an enum named "outcome" would collide in the schema with
    # the joint meeting's and the sampling's outcomes
    outcome = serializers.CharField(max_length=10, help_text="true (承诺属实) or false (承诺不实)")
    finding = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
