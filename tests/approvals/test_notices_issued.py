"""Notices are issued by the act that causes them (numbered and dated then), and the decision
document is named for what the item is (GB/T 39046 A.1; only 行政许可 cites 行政许可法 art. 38)."""

from approvals.models import Notice
from tests.approvals import helpers
from tests.approvals.helpers import act, at, case_in, file_case
from tests.approvals.test_notices import body, get_notice, pdf_text

CONFIRMATION_ITEM = "ZRZYJ-QR-0001"  # 不动产首次登记: 行政确认 (type 07)


def decided(people, code: str):
    case = file_case(people.applicant, code=code)
    for action in ("submit", "accept", "start_review", "recommend", "approve"):
        case = act(action, case, people)
    return case


def test_the_acceptance_notice_is_dated_the_day_of_acceptance_however_late_it_is_downloaded(people):
    case = act("accept", case_in("submitted", people), people)  # Wednesday 2026-09-30
    notice = Notice.objects.get(application=case, kind="acceptance")
    assert notice.issued_at == at(2026, 9, 30) and notice.serial  # issued, numbered and dated by the act
    with helpers.frozen(at(2026, 10, 9, 16)):  # the first download, after the National Day holiday
        text = pdf_text(body(get_notice(people.applicant, case, "acceptance")))
    assert "2026年9月30日" in text and "2026年10月9日" not in text
    notice.refresh_from_db()
    assert notice.issued_at == at(2026, 9, 30) and notice.sha256


def test_the_notice_is_rendered_right_after_the_act_commits(people, django_capture_on_commit_callbacks):
    case = case_in("submitted", people)
    with django_capture_on_commit_callbacks(execute=True):
        act("accept", case, people)
    notice = Notice.objects.get(application=case, kind="acceptance")
    assert notice.pdf and notice.size > 0 and len(notice.sha256) == 64


def test_an_acceptance_notice_keeps_the_due_date_it_promised_after_an_extension(people):
    case = case_in("under_review", people)
    promised = case.decision_due
    case = act("extend", case, people)
    assert case.decision_due > promised
    text = pdf_text(body(get_notice(people.applicant, case, "acceptance")))
    assert f"{promised:%Y}年{promised.month}月{promised.day}日前作出决定" in text
    extension = pdf_text(body(get_notice(people.applicant, case, "extension")))
    due = case.decision_due
    assert f"{due:%Y}年{due.month}月{due.day}日前作出决定" in extension


def test_downloading_never_issues_a_notice(people):
    case = case_in("accepted", people)
    Notice.objects.filter(application=case).delete()  # as if the act had not issued it
    assert get_notice(people.applicant, case, "acceptance").status_code == 404
    assert not Notice.objects.filter(application=case).exists()


def test_a_licence_decision_is_a_licensing_decision_citing_article_38(people):
    case = decided(people, helpers.ITEM)  # 建设用地规划许可证核发: 行政许可 (type 01)
    text = pdf_text(body(get_notice(people.applicant, case, "decision")))
    assert "准予行政许可决定书" in text and "第三十八条" in text
    assert "审查意见" in text and "材料齐全，符合法定条件，建议准予" in text  # both opinions


def test_a_confirmation_decision_is_not_a_licensing_decision(people):
    case = decided(people, CONFIRMATION_ITEM)
    text = pdf_text(body(get_notice(people.applicant, case, "decision")))
    assert "行政确认决定书" in text and "予以确认" in text
    assert "行政许可决定书" not in text and "第三十八条" not in text
    assert "不动产登记暂行条例" in text  # the item's own legal basis


def test_a_denied_confirmation_states_reasons_and_the_remedy(people):
    case = file_case(people.applicant, code=CONFIRMATION_ITEM)
    for action in ("submit", "accept", "start_review", "recommend"):
        case = act(action, case, people)
    case = act("deny", case, people)
    text = pdf_text(body(get_notice(people.applicant, case, "decision")))
    assert "不予确认决定书" in text and "不符合规划" in text and "行政复议" in text
    assert "第三十八条" not in text


def test_the_outbox_renders_what_an_interrupted_act_left_unrendered(people):
    from hall import outbox

    case = act("accept", case_in("submitted", people), people)  # on_commit did not run: as if the process died
    notice = Notice.objects.get(application=case, kind="acceptance")
    assert not notice.pdf
    with helpers.frozen(at(2026, 10, 12, 3)):  # the sweep finds it days later, whatever its age
        assert outbox.drain() >= 1
    notice.refresh_from_db()
    assert notice.pdf and "2026年9月30日" in pdf_text(notice.pdf.read())
