"""One weasyprint font configuration per thread, reused by every render (issue 22, point 3)."""

import io
import threading

from pypdf import PdfReader

from approvals import notices


def test_renders_in_one_thread_share_one_font_configuration_and_threads_do_not():
    mine = notices.font_config()
    assert notices.font_config() is mine
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(notices.font_config()))
    thread.start()
    thread.join()
    assert theirs and theirs[0] is not mine


def test_chinese_text_renders_again_and_again_with_the_shared_configuration():
    html = '<html lang="zh-CN"><body><h1>受理通知书</h1><p>行政许可法第三十二条</p></body></html>'
    for _ in range(3):
        text = PdfReader(io.BytesIO(notices.render_pdf(html, "http://testserver/"))).pages[0].extract_text()
        assert "受理通知书" in text and "第三十二条" in text
