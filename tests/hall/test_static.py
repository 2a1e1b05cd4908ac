"""Static files with DEBUG off and no collectstatic: pages and the 500 page still render (issue 12, point 8).

tests/conftest.py swaps in the plain StaticFilesStorage for the suite; these tests put the manifest
storages back, over an empty STATIC_ROOT (no staticfiles.json, as before the first collectstatic).
"""

import pytest
from django.test import Client
from django.urls import path

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", _boom)]
handler500 = "hall.views.server_error"


@pytest.fixture
def manifest_storage(settings, tmp_path):
    def use(backend: str):
        settings.DEBUG = False
        settings.STATIC_ROOT = tmp_path  # empty: no manifest
        settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": backend}}

    return use


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    "backend",
    [
        "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "hall.storage.StaticFilesStorage",
    ],
)
def test_a_failing_view_gives_the_chinese_500_page_without_a_manifest(manifest_storage, backend):
    manifest_storage(backend)
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统繁忙" in html
    assert "稍后再试" in html


def test_pages_render_without_a_manifest_and_link_the_plain_names(manifest_storage, caplog):
    """The hall's storage logs the missing manifest entry and links /static/css/hall.css."""
    manifest_storage("hall.storage.StaticFilesStorage")
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 200
    assert "/static/css/hall.css" in response.content.decode()
    assert "collectstatic" in caplog.text


def test_install_collects_static_files_and_the_readme_says_so():
    from django.conf import settings

    makefile = (settings.BASE_DIR / "Makefile").read_text()
    assert "install: $(VENV)/.synced system-deps static" in makefile
    assert "manage.py collectstatic --noinput" in makefile
    readme = (settings.BASE_DIR / "README.md").read_text()
    assert "`make install` builds `.venv` and collects the static files" in readme


def test_production_settings_use_the_forgiving_manifest_storage():
    from hall import settings as hall_settings

    assert hall_settings.STORAGES["staticfiles"]["BACKEND"] == "hall.storage.StaticFilesStorage"


def test_with_a_manifest_a_name_outside_it_raises_as_django_does(settings, tmp_path, caplog):
    """whitenoise probes names that are not static files (a hashed name stripped naively) and expects
    ValueError: no error is logged for them once collectstatic has run."""
    import json

    from hall.storage import StaticFilesStorage

    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "paths": {"css/hall.css": "css/hall.0123456789ab.css"}})
    )
    storage = StaticFilesStorage(location=tmp_path)
    assert storage.stored_name("css/hall.css") == "css/hall.0123456789ab.css"
    with pytest.raises(ValueError):
        storage.stored_name("rest_framework/css/font-awesome-4.0.css")
    assert "collectstatic" not in caplog.text
