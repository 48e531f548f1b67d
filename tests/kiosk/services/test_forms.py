import datetime as dt

from kiosk.services import forms
from kiosk.services.forms import FieldSpec

SPECS = [
    FieldSpec("id_number", "ID", kind="id_number", prefill="id_number"),
    FieldSpec("name", "Name", prefill="name"),
    FieldSpec("phone", "Phone", kind="mobile"),
    FieldSpec("moved_in", "Moved in", kind="past_date"),
    FieldSpec("company", "Company code", kind="credit_code", required=False),
    FieldSpec("reason", "Reason", kind="choice", choices=("lost", "damaged")),
]

GOOD = {
    "id_number": "11010519491231002X",
    "name": "王小明",
    "phone": "13812341234",
    "moved_in": "2020-05-01",
    "company": "91110000600037341L",
    "reason": "lost",
}


def test_good_form_passes():
    result = forms.validate(SPECS, GOOD)
    assert result.errors == []


def test_every_problem_is_reported_at_once():
    bad = {
        "id_number": "110105194912310021",
        "phone": "23812341234",
        "moved_in": (dt.date.today() + dt.timedelta(days=3)).isoformat(),
        "reason": "stolen",
    }
    result = forms.validate(SPECS, bad)
    fields = {e.field for e in result.errors}
    assert fields == {"id_number", "name", "phone", "moved_in", "reason"}
    assert "校验位" in result.for_field("id_number")[0].message
    assert not result.ok


def test_id_number_shape_and_date_format():
    assert forms.check_id_number("f", "1234") is not None
    assert forms.check_id_number("f", "11010519491231002x") is None
    assert "年-月-日" in forms.check_date("f", "2020/05/01").message
    assert forms.check_date("f", "20200501") is not None  # the platform takes YYYY-MM-DD only
    assert forms.check_date("f", "2020-02-30") is not None
    assert forms.check_date("f", "2020-05-01") is None


def test_numbers():
    specs = [FieldSpec("rent", "Rent", kind="number")]
    assert forms.validate(specs, {"rent": "1500.5"}).ok
    for bad in ("abc", "nan", "inf", "1,500"):
        assert not forms.validate(specs, {"rent": bad}).ok, bad


def test_messages_are_chinese_msgids_translated_for_english():
    from kiosk.i18n import translator

    message = forms.check_mobile("phone", "123").message
    assert message == "手机号码应为以1开头的11位数字"
    assert translator("en").gettext(message).startswith("A mobile number")


def test_credit_code_failure_is_only_a_warning():
    values = {**GOOD, "company": "91110000600037341A"}
    result = forms.validate(SPECS, values)
    (warning,) = result.for_field("company")
    assert not warning.blocking and result.ok


def test_prefill_from_identity():
    values = forms.prefill(SPECS, {"id_number": "11010519491231002X", "name": "王小明", "address": "x"})
    assert values == {"id_number": "11010519491231002X", "name": "王小明"}
