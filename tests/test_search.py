"""The register's substring search and its trigram index (``job_search``, migration 0009), kept
in step with every write of a job on both databases."""

import pytest

from models import Job, db
from models.core import is_postgres
from models.customers import phone_digits
from tests.querycount import count_queries


def _found(text):
    return {job.id for job in Job.search(Job.select(Job.id), text)}


def _match(text):
    """Does the index itself (not the job table) hold ``text``?"""
    if is_postgres():
        sql = f"SELECT id FROM job_search WHERE search_text LIKE {db.obj.param}"
        return bool(db.execute_sql(sql, [f"%{text}%"]).fetchall())
    sql = f"SELECT rowid FROM job_search WHERE job_search MATCH {db.obj.param}"
    return bool(db.execute_sql(sql, ['"' + text + '"']).fetchall())


def test_fragments_of_phone_name_serial_model_and_number(make):
    job = make.job(
        make.equipment(make.customer("上海华东机械有限公司", phone="021-6234 5678"), serial="SN-HD-01")
    )
    other = make.job(
        make.equipment(
            make.customer("杭州兰溪纺织厂", phone="0571-8765 4321"), product_model="TX-90", serial="SN-LX-77"
        )
    )
    for text in ("6234", "021-6234", "62345678", "华东机械", "hd-01", "SN-HD", "kx-2000", job.number.lower()):
        assert _found(text) == {job.id}, text
    assert _found("8765") == {other.id}
    assert _found("纺织") == {other.id}  # two characters: read from the column, no trigram
    assert _found("有限") == {job.id}
    assert _found("没有这个客户") == set()


def test_the_index_serves_fragments_of_three_characters_or_more(make):
    make.job()
    with count_queries() as statements:
        _found("6234")
    assert "job_search" in statements[-1]
    with count_queries() as statements:
        _found("62")
    assert "job_search" not in statements[-1]


def test_an_amended_phone_is_found_by_its_new_digits_only(make, users):
    job = make.job(state="done")
    assert _found("62345678") == {job.id}
    job.amend(users["manager"], "客户换了号码", phone="13912340000")
    assert _found("62345678") == set()
    assert _found("91234") == {job.id}


@pytest.mark.parametrize(
    "text", ['"', '"6234', "6234\"'", "%", "_234", "\\", "AND", "OR 6234", "NEAR(a b)", "*", "^6234", '62"34']
)
def test_odd_text_is_searched_for_as_typed(make, users, text):
    """Quotes, FTS5 operators and LIKE wildcards are text to find, never syntax."""
    make.job()
    odd = Job.register(users["clerk"], service_type="internal", fault="工具保养")
    Job.update(search_text=f"x{text.lower().strip()}x").where(Job.id == odd.id).execute()
    found = _found(text)
    assert odd.id in found
    typed, digits = text.lower().strip(), phone_digits(text)
    for job in Job.select().where(Job.id.in_(list(found))):
        # the text as typed, or a phone number's digits (typed with separators)
        assert typed in job.search_text or (len(digits) >= 3 and digits in job.search_text)


def test_wildcards_typed_match_themselves(make, users):
    job = Job.register(users["clerk"], service_type="internal", fault="工具保养")
    Job.update(search_text="ab%cd_ef").where(Job.id == job.id).execute()
    make.job()
    assert _found("b%c") == {job.id}
    assert _found("d_e") == {job.id}
    assert _found("b_c") == set()


def test_every_job_is_indexed_when_registered_and_when_its_text_changes(make, users):
    jobs = [make.job(state=state) for state in ("registered", "dispatched", "filed", "void")]
    for job in jobs:
        job = Job.get_by_id(job.id)
        assert _match(job.number.lower())
    job = Job.get_by_id(jobs[2].id)
    Job.update(search_text="完全不同的文字").where(Job.id == job.id).execute()  # any write, even bulk
    assert _found("完全不同") == {job.id}
    assert job.id not in _found(job.number.lower())
