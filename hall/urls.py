from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from approvals import api as approvals_api
from approvals import api_delivery, api_evaluation, api_licences, api_reform, api_regulators
from approvals import bundle_api as approvals_bundle_api
from approvals import urls_api_joint as approvals_joint_api
from catalog import api as catalog_api
from catalog import bundle_api as catalog_bundle_api
from catalog import views as catalog_views
from fees import api as fees_api
from fees import api_cases as fees_api_cases
from hall import api, health, preferences, views
from hall.frontdesk import api as frontdesk_api
from supervision import api as supervision_api
from supervision import api_anomalies as supervision_anomalies_api
from supervision import api_complaints
from supervision import api_orders as supervision_orders_api
from supervision import api_statistics as supervision_statistics_api

api_v1 = [
    path("auth/token", api.TokenView.as_view(), name="api-token"),
    path("me", api.MeView.as_view(), name="api-me"),
    path("catalog/items", catalog_api.ItemListView.as_view(), name="api-catalog-items"),
    path("catalog/items/<str:code>", catalog_api.ItemDetailView.as_view(), name="api-catalog-item"),
    path("catalog/bundles", catalog_bundle_api.BundleListView.as_view(), name="api-catalog-bundles"),
    path("catalog/bundles/<str:code>", catalog_bundle_api.BundleDetailView.as_view(), name="api-catalog-bundle"),
    path("applications", approvals_api.ApplicationsView.as_view(), name="api-applications"),
    path("applications/<str:number>", approvals_api.ApplicationDetailView.as_view(), name="api-application"),
    path("applications/<str:number>/materials", approvals_api.MaterialUploadView.as_view(), name="api-materials"),
    path("applications/<str:number>/delivery", approvals_api.DeliveryChoiceView.as_view(), name="api-delivery"),
    path(
        "applications/<str:number>/transitions/<str:name>",
        approvals_api.TransitionView.as_view(),
        name="api-transition",
    ),
    path("applications/<str:number>/evaluation", api_evaluation.EvaluationView.as_view(), name="api-evaluation"),
    path("bundles", approvals_bundle_api.BundlesView.as_view(), name="api-bundles"),
    path("bundles/<str:number>", approvals_bundle_api.BundleDetailView.as_view(), name="api-bundle"),
    path(
        "bundles/<str:number>/materials", approvals_bundle_api.BundleMaterialView.as_view(), name="api-bundle-materials"
    ),
    path("bundles/<str:number>/<str:act>", approvals_bundle_api.BundleActView.as_view(), name="api-bundle-act"),
    path("applications/<str:number>/commitment", api_reform.CommitmentView.as_view(), name="api-commitment"),
    path("verifications", api_reform.VerificationsView.as_view(), name="api-verifications"),
    path(
        "verifications/<int:verification_id>/result",
        api_reform.VerificationResultView.as_view(),
        name="api-verification-result",
    ),
    path("regulator/pushes", api_regulators.PushInboxView.as_view(), name="api-regulator-pushes"),
    path("regulator/pushes/<int:push_id>", api_regulators.PushDetailView.as_view(), name="api-regulator-push"),
    path(
        "regulator/pushes/<int:push_id>/findings",
        api_regulators.FindingView.as_view(),
        name="api-regulator-findings",
    ),
    path("progress", approvals_api.ProgressView.as_view(), name="api-progress"),
    path("licences/<str:number>", api_licences.LicenceVerifyView.as_view(), name="api-licence"),
    path("licences/<str:number>/revoke", api_licences.LicenceRevokeView.as_view(), name="api-licence-revoke"),
    path("me/licences", api_licences.MyLicencesView.as_view(), name="api-my-licences"),
    path("delivery/callback/<str:carrier>", api_delivery.CarrierCallbackView.as_view(), name="api-carrier-callback"),
    path("applications/<str:number>/tracking", api_delivery.TrackingView.as_view(), name="api-tracking"),
    path(
        "applications/<str:number>/delivery/receipt",
        api_delivery.ReceiptScanView.as_view(),
        name="api-delivery-receipt",
    ),
    path("fees/callback/<str:gateway>", fees_api.PaymentCallbackView.as_view(), name="api-fees-callback"),
    path(
        "applications/<str:number>/fees/assessment",
        fees_api_cases.FeeAssessmentView.as_view(),
        name="api-fees-assessment",
    ),
    path("applications/<str:number>/fees/refunds", fees_api_cases.FeeRefundsView.as_view(), name="api-fees-refunds"),
    path(
        "applications/<str:number>/fees/refunds/<int:refund_id>/approve",
        fees_api_cases.FeeRefundApproveView.as_view(),
        name="api-fees-refund-approve",
    ),
    path("applications/<str:number>/notices/<str:kind>", approvals_api.NoticeView.as_view(), name="api-notice"),
    path("queue/categories", frontdesk_api.CategoriesView.as_view(), name="api-queue-categories"),
    path("queue/tickets", frontdesk_api.TicketsView.as_view(), name="api-queue-tickets"),
    path("queue/tickets/<str:number>/finish", frontdesk_api.TicketFinishView.as_view(), name="api-queue-finish"),
    path("queue/tickets/<str:number>/cases", frontdesk_api.TicketCasesView.as_view(), name="api-queue-cases"),
    path("queue/windows/<str:code>/<str:act>", frontdesk_api.WindowActView.as_view(), name="api-queue-window"),
    path("queue/board", frontdesk_api.BoardView.as_view(), name="api-queue-board"),
    path("queue/statistics", frontdesk_api.StatisticsView.as_view(), name="api-queue-statistics"),
    path("appointments/slots", frontdesk_api.SlotsView.as_view(), name="api-appointment-slots"),
    path("appointments", frontdesk_api.AppointmentsView.as_view(), name="api-appointments"),
    path(
        "appointments/<int:appointment_id>/<str:act>",
        frontdesk_api.AppointmentActView.as_view(),
        name="api-appointment-act",
    ),
    *approvals_joint_api.urlpatterns,  # 联合审批: tasks, opinions, 集中会审, a department's tasks
    path("supervision/warnings", supervision_api.WarningListView.as_view(), name="api-supervision-warnings"),
    path("supervision/summary", supervision_api.SummaryView.as_view(), name="api-supervision-summary"),
    path("supervision/events", supervision_api.EventFeedView.as_view(), name="api-supervision-events"),
    path(
        "supervision/statistics",
        supervision_statistics_api.StatisticsView.as_view(),
        name="api-supervision-statistics",
    ),
    path("supervision/scores", supervision_statistics_api.ScoresView.as_view(), name="api-supervision-scores"),
    path(
        "supervision/anomalies", supervision_anomalies_api.AnomalyListView.as_view(), name="api-supervision-anomalies"
    ),
    path("supervision/orders", supervision_orders_api.OrdersView.as_view(), name="api-supervision-orders"),
    path("complaints", api_complaints.ComplaintsView.as_view(), name="api-complaints"),
    path("complaints/<str:tracking_number>", api_complaints.ComplaintDetailView.as_view(), name="api-complaint"),
    path("hotline/work-orders", api_complaints.HotlineWorkOrderView.as_view(), name="api-hotline-work-orders"),
    path(
        "supervision/orders/<int:order_id>/<str:act>",
        supervision_orders_api.OrderActionView.as_view(),
        name="api-supervision-order-act",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/register/", views.register, name="register"),
    path("inbox/", views.inbox, name="inbox"),
    path("preferences/elder-mode/", preferences.toggle_elder_mode, name="elder_mode"),
    path("items/", include("catalog.urls")),
    # The directory's own files (blank forms, result samples) are public; MEDIA_URL is /media/.
    path("media/catalog/<path:path>", catalog_views.public_file, name="catalog-file"),
    path("fees/", include("fees.urls")),
    path("frontdesk/", include("hall.frontdesk.urls")),
    path("supervision/", include("supervision.urls")),
    path("", include("approvals.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("healthz/live", health.live, name="healthz-live"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI sets inline styles; only this page allows them (scripts stay same-origin only).
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    # Anything else under /api/ is a JSON 404, whatever the method.
    re_path(r"^api/", csrf_exempt(views.page_not_found)),
]

handler400 = "hall.views.bad_request"
handler403 = "hall.views.permission_denied"
handler404 = "hall.views.page_not_found"
handler500 = "hall.views.server_error"
