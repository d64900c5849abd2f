"""Printed forms: the company's letterhead on each, page numbers on the register book, room
for the customer's stamp and the countersign date on the voucher."""

import re

from models import Setting


def _text(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_every_form_carries_the_letterhead_once_it_is_set(client, auth, make, users):
    job = make.job(state="countersigned")
    auth.login("manager")
    assert 'class="letterhead"' not in _text(client.get(f"/jobs/{job.id}/print"))
    Setting.set_value("company_name", "华东机电设备服务有限公司", users["admin"])
    Setting.set_value("company_phone", "400-820-1234", users["admin"])
    voucher = _text(client.get(f"/jobs/{job.id}/print"))
    assert "华东机电设备服务有限公司" in voucher and "电话 400-820-1234" in voucher
    assert "客户签章" in voucher and "核签" in voucher
    register = _text(client.get("/register/print"))
    assert "华东机电设备服务有限公司" in register


def test_the_register_book_numbers_its_pages(client, auth, make):
    equipment = make.equipment()
    for n in range(14):
        make.job(equipment, fault=f"第{n + 1}条")
    auth.login("clerk")
    html = _text(client.get("/register/print"))
    assert html.count('class="register-sheet"') == 2
    assert "第 1 页 / 共 2 页" in html and "第 2 页 / 共 2 页" in html
    assert "续下页" in html and html.count("共 14 条，") == 1  # the day's total once, at its end
    second = html[html.index("第 1 页 / 共 2 页") :]
    assert re.search(r"<td class=\"n\">9</td>", second)  # numbering goes on across sheets
