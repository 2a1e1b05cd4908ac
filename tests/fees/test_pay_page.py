"""The applicant's pay page: the payment notice with its 缴款码, online payment, the receipt."""

from django.test import Client
from django.urls import reverse

from fees.models import Assessment
from tests.fees.helpers import assessed_case, fee_case


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_case_page_links_to_the_pay_page_which_pays_online(people):
    case, assessment = assessed_case(people)
    client = client_for(people.applicant)
    case_page = client.get(reverse("approvals:case", args=[case.number])).content.decode()
    pay_url = reverse("fees:pay", args=[case.number])
    assert pay_url in case_page and assessment.payment_code in case_page
    page = client.get(pay_url).content.decode()
    assert assessment.payment_code in page and "80.00" in page and "data:image/svg+xml" in page
    done = client.post(reverse("fees:pay_simulator", args=[case.number]), follow=True).content.decode()
    assert "缴费成功" in done and "下载收费票据" in done
    assert Assessment.objects.get(pk=assessment.pk).status == "paid"
    again = client.post(reverse("fees:pay_simulator", args=[case.number]), follow=True).content.decode()
    assert "没有待缴的费用" in again


def test_nothing_assessed_and_other_peoples_cases(people):
    case = fee_case(people)
    assert "暂无应缴费用" in client_for(people.applicant).get(reverse("fees:pay", args=[case.number])).content.decode()
    for user in (people.applicant2, people.clerk):
        assert client_for(user).get(reverse("fees:pay", args=[case.number])).status_code == 404
        assert client_for(user).post(reverse("fees:pay_simulator", args=[case.number])).status_code == 404
    assert Client().get(reverse("fees:pay", args=[case.number])).status_code == 302  # to the login page
