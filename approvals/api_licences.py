"""E-licence API (DESIGN.md, "More of the contract"): public verification by number, the holder's wallet,
and revocation by an approver of the issuing department."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import licences
from approvals.api import ERRORS, _ip
from approvals.models_licences import Licence
from hall.errors import OutsideScope
from hall.schema import error
from hall.serializers import DepartmentRefSerializer
from hall.throttling import ScopedRateThrottle


class LicencePublicSerializer(serializers.Serializer):
    """What anyone may know of a licence: no personal data beyond the masked holder."""

    number = serializers.CharField()
    name = serializers.CharField()
    type_code = serializers.CharField()
    holder = serializers.SerializerMethodField(help_text="name (a person's masked) and masked ID / credit code")
    department = DepartmentRefSerializer()
    issued_on = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=Licence.Status.choices)
    status_changed_at = serializers.DateTimeField(allow_null=True)
    sha256 = serializers.CharField(help_text="SHA-256 of the licence PDF (empty until rendered)")

    def get_holder(self, licence) -> str:
        return licences.public_holder(licence)


class WalletLicenceSerializer(LicencePublicSerializer):
    """A licence in its holder's wallet: the holder's own name, the source case and the PDF."""

    holder_name = serializers.CharField()
    case_number = serializers.CharField(source="application.number")
    pdf_url = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()

    def get_pdf_url(self, licence) -> str:
        from django.urls import reverse

        return reverse("approvals:licence_pdf", args=[licence.number])

    def get_verify_url(self, licence) -> str:
        return licences.verify_url(licence)


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    basis = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class LicenceVerifyView(APIView):
    """Public verification of an e-licence; 404 for an unknown number; throttled per client address."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "licences"

    @extend_schema(responses={200: LicencePublicSerializer, 404: error(404, "no licence with this number")})
    def get(self, request, number: str):
        licence = licences.public_licence(number)
        if licence is None:
            raise OutsideScope("没有这个编号的电子证照。")
        return Response(LicencePublicSerializer(licence).data)


class LicenceRevokeView(APIView):
    """撤销证照: an approver of the issuing department, with ``reason`` and ``basis`` (legal basis)."""

    @extend_schema(request=RevokeSerializer, responses={200: LicencePublicSerializer, **ERRORS})
    def post(self, request, number: str):
        body = RevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        licence = licences.revoke_licence(number=number, by=request.user, ip=_ip(request), **body.validated_data)
        return Response(LicencePublicSerializer(licence).data)


class MyLicencesView(APIView):
    """The caller's e-licences (证照夹), newest first; any valid one of the right type can satisfy a
    material whose requirement accepts an e-licence (``{licence_number}`` on the materials endpoint)."""

    @extend_schema(responses={200: WalletLicenceSerializer(many=True)})
    def get(self, request):
        rows = licences.wallet(request.user).select_related("application")
        return Response(WalletLicenceSerializer(rows, many=True).data)
