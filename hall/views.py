"""Pages of the hall: home, login, error pages."""

import logging

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.csrf import requires_csrf_token

from hall import audit, services
from hall.errors import json_error
from hall.forms import LoginForm, RegistrationForm
from hall.models import Notification
from hall.roles import landing_url_name

logger = logging.getLogger(__name__)

# The 500 page when templates/500.html itself cannot be rendered: plain HTML, no static files.
FALLBACK_500 = (
    '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><title>系统繁忙 · 行政服务中心</title>'
    "</head><body><h1>系统繁忙</h1><p>服务器处理出错，已自动记录，请稍后再试。如需帮助请拨打 12345。</p>"
    '<p><a href="/">返回首页</a></p></body></html>'
)


@login_required
def inbox(request):
    """站内信: the user's messages, newest first; opening the page marks them read."""
    messages = Notification.objects.filter(user=request.user)[:100]
    page = render(request, "hall/inbox.html", {"notes": list(messages)})
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return page


def favicon(request):
    """``/favicon.ico``, which browsers ask for on pages without an icon link (the Django admin's)."""
    return redirect(static("favicon.svg"), permanent=True)


def home(request):
    """The hall's front page: find an item, follow a case, log in."""
    return render(request, "hall/home.html")


class LoginView(auth_views.LoginView):
    """A safe ``next`` first (Django checks host and scheme), else the user's own desk (``roles.LANDING``)."""

    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        try:
            return reverse(landing_url_name(self.request.user))
        except NoReverseMatch:
            return reverse("home")


def register(request):
    """实名注册: an applicant account, logged in at once and sent to “我的办件”."""
    if request.user.is_authenticated:
        return redirect(_applicant_home())
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = services.register_applicant(user=form.save(commit=False), ip=audit.client_ip(request))
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(_applicant_home())
    return render(request, "registration/register.html", {"form": form})


def _applicant_home() -> str:
    """我的办件 when the portal is installed (hall does not depend on approvals), else the home page."""
    try:
        return reverse("approvals:my_cases")
    except NoReverseMatch:
        return reverse("home")


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


@requires_csrf_token
def bad_request(request, exception=None):
    if _is_api(request):
        return json_error("bad_request", "请求有误。", 400)
    return render(request, "400.html", status=400)


@requires_csrf_token
def permission_denied(request, exception=None):
    if _is_api(request):
        return json_error("permission_denied", "您无权执行此操作。", 403)
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    if _is_api(request):
        return json_error("not_found", "未找到。", 404)
    return render(request, "404.html", status=404)


def server_error(request):
    """Rendered without context processors: the failure may be the database itself."""
    if _is_api(request):
        return json_error("server_error", "服务器内部错误，已记录，请稍后再试。", 500)
    try:
        html = loader.get_template("500.html").render()
    except Exception:  # the error page must not fail in turn (a missing static manifest, a broken template)
        logger.exception("templates/500.html could not be rendered; answering with the plain fallback")
        html = FALLBACK_500
    return HttpResponseServerError(html)


def csrf_failure(request, reason=""):
    if _is_api(request):
        return json_error("csrf_failed", "页面已过期或请求来源不可信，请刷新后重试。", 403)
    return render(request, "403_csrf.html", status=403)
