"""督办 answers with files (issue 13, point 5): checked like case materials (by content, size), kept
with the order, readable by the supervisors and the ordered department only."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from supervision.models import Order, OrderAttachment
from tests.approvals.helpers import PDF, PNG
from tests.supervision.test_orders import URL, api, issue
from tests.supervision.test_orders import warned as warned  # the fixture


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_the_department_answers_with_files_and_the_supervisor_reads_them(people, warned):
    order_id = issue(people, warned).json()["id"]
    answered = api(people.clerk).post(
        f"{URL}/{order_id}/response",
        {"text": "已整改，附整改报告和现场照片", "files": [upload("整改报告.pdf", PDF), upload("现场.png", PNG)]},
        format="multipart",
    )
    assert answered.status_code == 200, answered.content
    files = answered.json()["attachments"]
    assert [f["name"] for f in files] == ["整改报告.pdf", "现场.png"] and len(files[0]["sha256"]) == 64

    supervisor = Client()
    supervisor.force_login(people.supervisor)
    response = supervisor.get(files[0]["url"])
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert "整改报告.pdf" in supervisor.get("/supervision/orders/").content.decode()

    for username in ("clerk2", "applicant"):  # another department, an applicant: no such file
        other = Client()
        other.force_login(getattr(people, username))
        assert other.get(files[0]["url"]).status_code == 404, username
    listed = api(people.supervisor).get(URL).json()["results"][0]
    assert [f["name"] for f in listed["attachments"]] == ["整改报告.pdf", "现场.png"]


def test_a_file_that_is_not_a_document_is_refused_and_nothing_is_answered(people, warned):
    order_id = issue(people, warned).json()["id"]
    refused = api(people.clerk).post(
        f"{URL}/{order_id}/response",
        {"text": "已整改", "files": [upload("报告.pdf", PDF), upload("病毒.pdf", b"MZ\x90\x00 not a pdf")]},
        format="multipart",
    )
    assert refused.status_code == 415 and "病毒.pdf" in refused.json()["detail"]
    assert Order.objects.get(pk=order_id).state == "open" and not OrderAttachment.objects.exists()
    too_many = api(people.clerk).post(
        f"{URL}/{order_id}/response", {"text": "已整改", "files": [upload(f"{i}.pdf", PDF) for i in range(6)]},
        format="multipart",
    )  # fmt: skip
    assert too_many.status_code == 400 and "files" in too_many.json()["fields"]


def test_the_answer_form_takes_files(people, warned, client):
    order_id = issue(people, warned).json()["id"]
    client.force_login(people.clerk)
    page = client.get("/supervision/department-orders/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="files"' in page
    sent = client.post(f"/supervision/department-orders/{order_id}/answer/",
                       {"text": "已整改", "files": [upload("整改报告.pdf", PDF)]})  # fmt: skip
    assert sent.status_code == 302
    assert OrderAttachment.objects.get().original_name == "整改报告.pdf"
    bad = client.post(f"/supervision/department-orders/{order_id}/answer/",
                      {"text": "再答", "files": [upload("x.pdf", b"plain text")]}, follow=True)  # fmt: skip
    assert "x.pdf" in bad.content.decode()  # checked before anything else: the message names the file
