"""The applicant's choice of how to receive the result (领取方式): window, express, electronic.

It is recorded on the case until delivery, audited, offered only as the item allows (express), and
the clerk's delivery form starts from it.
"""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from approvals import services
from approvals.models import Application
from catalog.models import Item
from hall.errors import NotPermitted, OutsideScope, TransitionNotAllowed
from hall.models import AuditEntry
from tests.approvals.helpers import act, case_in, file_case, reload

EXPRESS = {"method": "express", "recipient": "张伟", "phone": "13800000001", "address": "杭州市西湖区文三路 1 号"}


def express_case(people) -> Application:
    """A draft of a ZRZYJ item that offers express delivery."""
    item = Item.objects.filter(department__code="ZRZYJ", current_version__channel_express=True).order_by("code")[0]
    return file_case(people.applicant, code=item.code)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_applicant_chooses_electronic_delivery_and_it_is_audited(people):
    case = case_in("under_review", people)
    services.choose_delivery(case_id=case.pk, by=people.applicant, method="electronic", ip="203.0.113.9")
    case = reload(case)
    assert case.delivery_choice == "electronic" and case.state == "under_review"
    entry = AuditEntry.objects.get(action="approvals.choose_delivery", target=case.number)
    assert entry.actor == people.applicant and entry.ip == "203.0.113.9" and entry.detail == {"method": "electronic"}


def test_express_needs_recipient_phone_and_address_and_an_item_that_offers_it(people):
    case = express_case(people)
    with pytest.raises(ValidationError) as error:
        services.choose_delivery(case_id=case.pk, by=people.applicant, method="express", phone="123")
    assert set(error.value.message_dict) == {"recipient", "address", "phone"}
    assert reload(case).delivery_choice == ""
    services.choose_delivery(case_id=case.pk, by=people.applicant, **EXPRESS)
    case = reload(case)
    assert (case.delivery_choice, case.delivery_recipient, case.delivery_address) == (
        "express", "张伟", "杭州市西湖区文三路 1 号",
    )  # fmt: skip
    no_express = case_in("draft", people)  # ZRZYJ-XK-0005 offers window and online only
    assert not no_express.item_version.channel_express
    with pytest.raises(ValidationError) as error:
        services.choose_delivery(case_id=no_express.pk, by=people.applicant, **EXPRESS)
    assert "不提供邮寄送达" in error.value.message_dict["method"][0]


def test_switching_away_from_express_clears_the_address(people):
    case = express_case(people)
    services.choose_delivery(case_id=case.pk, by=people.applicant, **EXPRESS)
    services.choose_delivery(case_id=case.pk, by=people.applicant, method="window")
    case = reload(case)
    assert (case.delivery_choice, case.delivery_address, case.delivery_phone) == ("window", "", "")


def test_unknown_method_is_a_field_error(people):
    case = case_in("draft", people)
    with pytest.raises(ValidationError) as error:
        services.choose_delivery(case_id=case.pk, by=people.applicant, method="pigeon")
    assert "method" in error.value.message_dict


def test_who_may_choose_and_when(people):
    case = case_in("accepted", people)
    with pytest.raises(OutsideScope):
        services.choose_delivery(case_id=case.pk, by=people.applicant2, method="window")
    with pytest.raises(NotPermitted):
        services.choose_delivery(case_id=case.pk, by=people.reviewer, method="window")
    # At the window, the department's clerk records what the applicant says.
    services.choose_delivery(case_id=case.pk, by=people.clerk, method="electronic")
    assert reload(case).delivery_choice == "electronic"
    delivered = case_in("delivered", people)
    with pytest.raises(TransitionNotAllowed):
        services.choose_delivery(case_id=delivered.pk, by=people.applicant, method="electronic")


def test_portal_form_shows_errors_next_to_fields_then_saves(people):
    case = express_case(people)
    client = client_for(people.applicant)
    url = reverse("approvals:choose_delivery", args=[case.number])
    page = client.get(url)
    assert (
        page.status_code == 200
        and "邮寄送达" in page.content.decode()
        and "csrfmiddlewaretoken" in page.content.decode()
    )
    bad = client.post(url, {"method": "express", "recipient": "", "phone": "12", "address": ""})
    body = bad.content.decode()
    assert bad.status_code == 200 and "请填写收件人" in body and "请填写邮寄地址" in body and "has-error" in body
    assert reload(case).delivery_choice == ""
    assert client.post(url, {"method": "no-such"}).status_code == 200
    done = client.post(url, EXPRESS, follow=True)
    assert done.redirect_chain and "您选择了“邮寄送达”" in done.content.decode()
    assert reload(case).delivery_choice == "express"


def test_portal_refuses_after_delivery_and_hides_the_case_from_others(people):
    delivered = case_in("delivered", people)
    url = reverse("approvals:choose_delivery", args=[delivered.number])
    response = client_for(people.applicant).get(url, follow=True)
    assert response.redirect_chain and "不能更改领取方式" in response.content.decode()
    assert client_for(people.applicant2).get(url).status_code == 404


def test_clerk_delivery_form_starts_from_the_choice(people):
    case = case_in("under_review", people)
    services.choose_delivery(case_id=case.pk, by=people.applicant, method="electronic")
    case = act("approve", act("recommend", case, people), people)
    page = client_for(people.clerk).get(reverse("approvals:work_case", args=[case.number])).content.decode()
    assert "申请人选择" in page
    assert re.search(r'name="method" value="electronic"[^>]*checked', page)
    assert not re.search(r'name="method" value="window"[^>]*checked', page)


def test_api_sets_the_choice_and_shows_it_on_the_case(people):
    case = case_in("accepted", people)
    api = APIClient()
    api.force_authenticate(people.applicant)
    url = f"/api/v1/applications/{case.number}/delivery"
    bad = api.post(url, {"method": "express", "recipient": "", "phone": "", "address": ""}, format="json")
    assert bad.status_code == 400 and bad.json()["error"] and "method" in bad.json()["fields"]
    ok = api.post(url, {"method": "electronic"}, format="json")
    assert ok.status_code == 200 and ok.json()["delivery_choice"] == "electronic"
    stranger = APIClient()
    stranger.force_authenticate(people.applicant2)
    assert stranger.post(url, {"method": "window"}, format="json").status_code == 404


def test_the_applicant_chooses_delivery_while_the_decision_is_awaited(people):
    case = case_in("awaiting_decision", people)
    case = services.choose_delivery(case_id=case.pk, by=people.applicant, method="electronic")
    assert case.delivery_choice == "electronic"
