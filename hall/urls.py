from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from approvals import api as approvals_api
from approvals import api_evaluation
from catalog import api as catalog_api
from catalog import views as catalog_views
from fees import api as fees_api
from fees import api_cases as fees_api_cases
from hall import api, health, preferences, views
from supervision import api as supervision_api
from supervision import api_anomalies as supervision_anomalies_api
from supervision import api_orders as supervision_orders_api

api_v1 = [
    path("auth/token", api.TokenView.as_view(), name="api-token"),
    path("me", api.MeView.as_view(), name="api-me"),
    path("catalog/items", catalog_api.ItemListView.as_view(), name="api-catalog-items"),
    path("catalog/items/<str:code>", catalog_api.ItemDetailView.as_view(), name="api-catalog-item"),
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
    path("progress", approvals_api.ProgressView.as_view(), name="api-progress"),
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
    path("supervision/warnings", supervision_api.WarningListView.as_view(), name="api-supervision-warnings"),
    path("supervision/summary", supervision_api.SummaryView.as_view(), name="api-supervision-summary"),
    path("supervision/events", supervision_api.EventFeedView.as_view(), name="api-supervision-events"),
    path(
        "supervision/anomalies", supervision_anomalies_api.AnomalyListView.as_view(), name="api-supervision-anomalies"
    ),
    path("supervision/orders", supervision_orders_api.OrdersView.as_view(), name="api-supervision-orders"),
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
