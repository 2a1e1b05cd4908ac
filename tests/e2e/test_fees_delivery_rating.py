"""After the decision, in real browsers: the applicant chooses express delivery; the clerk assesses the
fee from the item's published standards; the applicant pays online; the cashier collects another
case's fee at the collection window; the clerk delivers by express as chosen; the applicant rates."""

from approvals.models import Application, State
from fees import services
from fees.models import Assessment, TillClosing
from tests.approvals import helpers
from tests.e2e.conftest import shot
from tests.fees.helpers import assessed_case, fee_case


def test_delivery_choice_fees_and_rating(open_as, tmp_path):
    people = helpers.demo_people()
    case = fee_case(people, "under_review")  # 不动产登记 (ZRZYJ-QR-0001): fees, express offered
    assert case.item_version.charges_fees and case.item_version.channel_express

    # 1. The applicant chooses express delivery with an address.
    applicant = open_as("applicant", width=414, height=896)
    applicant.goto(f"{open_as.url}/cases/{case.number}/")
    applicant.click("text=选择领取方式")
    applicant.check("input[name=method][value=express]")
    applicant.fill("[name=recipient]", "张伟")
    applicant.fill("[name=phone]", "13800000001")
    applicant.fill("[name=address]", "浙江省杭州市西湖区文三路 1 号")
    shot(applicant, "delivery-choice")
    applicant.click("button:has-text('保存领取方式')")
    applicant.wait_for_load_state()
    case.refresh_from_db()
    assert case.delivery_choice == "express" and "您选择了“邮寄送达”" in applicant.content()

    # 2. The clerk assesses the residential registration fee (80 元) from the published standards.
    clerk = open_as("clerk")
    clerk.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    clerk.click("a:has-text('核定收费')")
    first = case.item_version.fees.order_by("position", "id")[0]
    clerk.check(f"[name=charge_{first.pk}]")
    shot(clerk, "fees-assess")
    clerk.click("form button[type=submit]:has-text('核定')")
    clerk.wait_for_load_state()
    assessment = Assessment.objects.get(application=case)
    assert assessment.due_fen == first.amount_fen and assessment.status == "due"

    # 3. The applicant is told, opens the pay page from the case and pays online.
    applicant.goto(f"{open_as.url}/inbox/")
    assert "缴费通知" in applicant.content()
    applicant.goto(f"{open_as.url}/cases/{case.number}/")
    assert "缴纳费用 80.00 元" in applicant.inner_text("#next-step")  # the fee owed is the next step, at the top
    applicant.click("#next-action")
    applicant.wait_for_load_state()
    assert assessment.payment_code in applicant.content()
    assert applicant.evaluate("document.querySelector('.pay-qr img').naturalWidth") > 0  # the QR code renders
    shot(applicant, "pay")
    applicant.click("button:has-text('网上缴费')")
    applicant.wait_for_load_state()
    assert "缴费成功" in applicant.content()
    assert Assessment.objects.get(pk=assessment.pk).status == "paid"

    # 4. At the collection window the cashier collects another case's fee by its 缴款码.
    _other, other_assessment = assessed_case(people)
    cashier = open_as("cashier")
    cashier.goto(f"{open_as.url}/fees/cashier/")
    cashier.fill("[name=q]", other_assessment.payment_code)
    cashier.click("button:has-text('查询')")
    cashier.wait_for_load_state()
    cashier.click("#collect button[type=submit]")
    cashier.wait_for_load_state()
    assert Assessment.objects.get(pk=other_assessment.pk).status == "paid"
    shot(cashier, "cashier")
    # … and closes the day: the till counted against the ledger (日结)
    cashier.fill("[name=cash]", services.yuan(other_assessment.due_fen))
    cashier.click("button:has-text('日结')")
    cashier.wait_for_load_state()
    closing = TillClosing.objects.get()
    assert closing.difference_fen == 0 and "已于" in cashier.content()

    # 5. The approver approves; the clerk delivers by express as the applicant chose.
    helpers.act("approve", helpers.act("recommend", case, people), people)
    clerk.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    assert "申请人选择" in clerk.content()
    clerk.click("summary:has-text('送达')")
    assert clerk.is_checked("input[name=method][value=express]")
    clerk.fill("[name=tracking_number]", "SF1234567890")
    clerk.click("button:has-text('确认送达')")
    clerk.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == State.DELIVERED and case.delivery_method == Application.Delivery.EXPRESS

    # 6. The applicant rates the service (一事一评).
    applicant.goto(f"{open_as.url}/cases/{case.number}/")
    applicant.check("input[name=level][value='5']")
    applicant.fill("[name=comment]", "网上缴费、邮寄送达，一次都没跑")
    applicant.click("button:has-text('提交评价')")
    applicant.wait_for_load_state()
    case.refresh_from_db()
    assert case.evaluation.level == 5
    shot(applicant, "rating")


def test_the_approver_waives_the_fees_and_the_result_is_delivered(open_as):
    """减免 in browsers (issue 15): the clerk cannot deliver an unpaid fee-charging result; an approver
    of the department waives the fee with its reason and basis; the clerk then delivers."""
    people = helpers.demo_people()
    case, assessment = assessed_case(people)
    case = helpers.act("approve", helpers.act("recommend", case, people), people)

    clerk = open_as("clerk")
    clerk.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    assert "尚有应缴费用" in clerk.content()  # the gate names why delivery is not offered

    approver = open_as("approver")
    approver.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    approver.click("a:has-text('批准减免')")
    approver.wait_for_load_state()
    approver.click("button:has-text('批准减免')")  # empty: both fields are asked for
    approver.wait_for_load_state()
    assert "请写明减免理由" in approver.content()
    approver.fill("[name=reason]", "申请人为最低生活保障对象")
    approver.fill("[name=basis]", "财政部、国家发展改革委 财税〔2016〕79号")
    shot(approver, "fees-waiver")
    approver.click("button:has-text('批准减免')")
    approver.wait_for_load_state()
    assert "已批准减免" in approver.content()
    assert Assessment.objects.get(pk=assessment.pk).status == "waived"

    clerk.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    clerk.click("summary:has-text('送达')")
    clerk.check("input[name=method][value=window]")
    clerk.click("button:has-text('确认送达')")
    clerk.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == State.DELIVERED
