"""A period typed into a screen's address: the screen shows its default period and says why,
instead of silently showing something else (money, costs, the material ledger, survey results)."""

import datetime

import pytest

from models.core import today
from models.materials import Material

SCREENS = [
    ("finance", "/money/invoices"),
    ("manager", "/trips/costs"),
    ("clerk", "/materials/{item}"),
    ("manager", "/surveys/results"),
]


@pytest.fixture
def item(users):
    return Material.add(users["clerk"], "产品宣传册", "A4 彩页", "份", low_stock=20)


@pytest.mark.parametrize(("user", "path"), SCREENS)
@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("start=2026-13-40&end=2026-12-01", "“2026-13-40”不是日期"),
        ("start=2026-12-01&end=2026-11-01", "起始日期晚于结束日期"),
        ("start=1066-10-14", "“1066-10-14”不是日期"),
    ],
)
def test_a_period_that_is_not_one_says_so(client, auth, item, user, path, query, why):
    auth.login(user)
    response = client.get(path.format(item=item.id) + "?" + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert why in html and "显示默认期间" in html
    # the form shows the period the figures are of, not what was typed
    assert 'value="2026-13-40"' not in html and 'value="1066-10-14"' not in html


@pytest.mark.parametrize(("user", "path"), SCREENS)
def test_a_good_period_is_shown_without_a_word(client, auth, item, user, path):
    auth.login(user)
    start = (today() - datetime.timedelta(days=20)).isoformat()
    html = client.get(path.format(item=item.id) + f"?start={start}&end={today().isoformat()}").get_data(
        as_text=True
    )
    assert f'value="{start}"' in html and "显示默认期间" not in html


def test_the_cost_report_covers_at_most_400_days(client, auth):
    auth.login("manager")
    html = client.get("/trips/costs?start=2024-01-01&end=2026-12-01").get_data(as_text=True)
    assert "期间最长 400 天" in html
    assert f'value="{today().replace(day=1).isoformat()}"' in html


def test_an_export_of_a_bad_period_leaves_no_warning_for_the_next_page(client, auth):
    auth.login("finance")
    assert client.get("/money/invoices.xlsx?start=nonsense").status_code == 200
    assert "显示默认期间" not in client.get("/money/invoices").get_data(as_text=True)
