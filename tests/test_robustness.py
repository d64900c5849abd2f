"""Inputs that once caused server errors: huge ids, year-1 dates, odd query strings."""

import pytest

BIG = "9" * 20


@pytest.mark.parametrize(
    "url",
    [
        f"/jobs/{BIG}",
        f"/jobs/{BIG}/print",
        f"/tech/jobs/{BIG}",
        f"/customers/{BIG}",
        f"/admin/users/{BIG}",
        f"/intake/customer/{BIG}",
        f"/intake/?customer={BIG}&registered={BIG}",
        f"/intake/propose?equipment={BIG}",
        f"/customers/?page={BIG}",
        f"/admin/events?page={BIG}",
        "/dashboard/?end=0001-01-01",
        f"/jobs/{2**31}",
        "/board/poll?since=-5",
        f"/board/poll?since={BIG}",
    ],
)
def test_odd_urls_never_cause_a_server_error(client, auth, url):
    auth.login("admin" if url.startswith("/admin") else "manager")
    assert client.get(url).status_code < 500


def test_year_one_times_are_refused_next_to_the_field(client, auth, make, dbc):
    from models import Job

    job = make.job(state="on_site")
    auth.login("manager")
    response = client.post(
        f"/jobs/{job.id}/record",
        data={
            "version": job.version,
            "result": "finish",
            "arrived_at": "0001-01-01T00:00",
            "work_done": "x",
            "signer_name": "张",
            "on_paper": "y",
        },
    )
    assert response.status_code == 422
    assert "1900" in response.get_data(as_text=True)
    assert Job.get_by_id(job.id).state == "on_site"


def test_huge_hidden_ids_at_intake_are_refused(client, auth, make, dbc):
    from models import Job

    auth.login("clerk")
    response = client.post(
        "/intake/register", data={"customer": BIG, "equipment": BIG, "channel": "phone", "fault": "x"}
    )
    assert response.status_code == 422
    assert Job.select().count() == 0
