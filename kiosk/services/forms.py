"""Validation of what a citizen types into an application form.

Each rule returns a ``FieldError`` with a message code instead of raising, so the
screen can show every problem at once beside its field, in the citizen's language.
The messages are gettext ids in Chinese like every other citizen-facing string
(kiosk.i18n); the journey translates them with ``_`` where it shows them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc


def N_(message: str) -> str:
    """Marks a message for extraction; translated where it is shown, not here."""
    return message


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    """A gettext message id (Chinese), e.g. "身份证号码校验位不正确，请核对"."""
    blocking: bool = True
    """False for warnings the citizen may accept (an early credit code failing its check)."""


Rule = Callable[[str], FieldError | None]

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def _normalise(value: str) -> str:
    return value.strip().replace(" ", "").upper()


def check_id_number(name: str, value: str) -> FieldError | None:
    v = _normalise(value)
    if not re.fullmatch(r"\d{17}[\dX]", v):
        return FieldError(name, N_("身份证号码应为18位：17位数字加1位数字或X"))
    try:
        ric.validate(v)
    except stdnum_errors.InvalidChecksum:
        return FieldError(name, N_("身份证号码校验位不正确，请核对"))
    except stdnum_errors.ValidationError:
        return FieldError(name, N_("身份证号码中的出生日期或地区码无效"))
    return None


def check_credit_code(name: str, value: str) -> FieldError | None:
    v = _normalise(value)
    if not re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{18}", v):
        return FieldError(name, N_("统一社会信用代码应为18位数字或大写字母"))
    try:
        uscc.validate(v)
    except stdnum_errors.ValidationError:
        # GB 32100: a few early codes fail the check legitimately, so warn only.
        return FieldError(name, N_("该统一社会信用代码未通过校验，请确认无误"),
                          blocking=False)
    return None


def check_mobile(name: str, value: str) -> FieldError | None:
    if not MOBILE_RE.fullmatch(_normalise(value)):
        return FieldError(name, N_("手机号码应为以1开头的11位数字"))
    return None


DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_date(name: str, value: str, *, not_future: bool = False) -> FieldError | None:
    """Only ``YYYY-MM-DD``: what the platform accepts (``fromisoformat`` alone also takes 20240301)."""
    v = value.strip()
    try:
        if not DATE_RE.fullmatch(v):
            raise ValueError(v)
        day = dt.date.fromisoformat(v)
    except ValueError:
        return FieldError(name, N_("请按“年-月-日”输入日期，例如 2024-03-01"))
    if not_future and day > dt.date.today():
        return FieldError(name, N_("日期不能晚于今天"))
    return None


def check_number(name: str, value: str) -> FieldError | None:
    try:
        number = float(value.strip())
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        return FieldError(name, N_("请输入数字"))
    return None


@dataclass(frozen=True)
class FieldSpec:
    """One form field as the platform's service definition describes it."""

    name: str
    label: str
    kind: str = "text"  # text | id_number | mobile | date | past_date | number | credit_code | choice
    required: bool = True
    max_length: int = 200
    choices: tuple[str, ...] = ()
    prefill: str = ""
    """Identity attribute that fills this field ("one form"): id_number, name, address..."""


@dataclass
class FormResult:
    errors: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(e.blocking for e in self.errors)

    def for_field(self, name: str) -> list[FieldError]:
        return [e for e in self.errors if e.field == name]


_KIND_RULES: dict[str, Callable[[str, str], FieldError | None]] = {
    "id_number": check_id_number,
    "mobile": check_mobile,
    "date": check_date,
    "past_date": lambda n, v: check_date(n, v, not_future=True),
    "number": check_number,
    "credit_code": check_credit_code,
}


def validate(specs: list[FieldSpec], values: Mapping[str, str]) -> FormResult:
    result = FormResult()
    for spec in specs:
        value = (values.get(spec.name) or "").strip()
        if not value:
            if spec.required:
                result.errors.append(FieldError(spec.name, N_("此项为必填项")))
            continue
        if len(value) > spec.max_length:
            result.errors.append(FieldError(spec.name, N_("内容超过长度限制")))
            continue
        if spec.kind == "choice" and value not in spec.choices:
            result.errors.append(FieldError(spec.name, N_("请从给出的选项中选择")))
            continue
        rule = _KIND_RULES.get(spec.kind)
        error = rule(spec.name, value) if rule else None
        if error:
            result.errors.append(error)
    return result


def prefill(specs: list[FieldSpec], identity: Mapping[str, str]) -> dict[str, str]:
    """One form: values the citizen already gave by identifying are filled in for them."""
    return {s.name: identity[s.prefill] for s in specs if s.prefill and identity.get(s.prefill)}
