"""Login throttling responses (django-axes)."""

from django.shortcuts import render

from hall.errors import json_error


def lockout_response(request, credentials, *args, **kwargs):
    """Too many failed logins for this username from this address: 429, JSON under /api/."""
    if request.path.startswith("/api/"):
        return json_error("throttled", "登录失败次数过多，请 15 分钟后再试。", 429)
    return render(request, "registration/locked_out.html", status=429)
