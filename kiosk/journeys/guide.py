"""The service guide (办事指南): every guide element, and what the kiosk can do about it.

A citizen may read any guide without identifying. The buttons at the bottom are the
service's kiosk capabilities that are usable right now; when none is, the guide says
where and when to go instead (到现场次数, 办理地点).
"""

from __future__ import annotations

from kiosk.i18n import N_, _, current_language, pair, platform_text
from kiosk.journeys.availability import reason_now
from kiosk.journeys.base import Finished, Journey, JourneyContext, Outcome, back_action, pick
from kiosk.platform.client import CatalogResult
from kiosk.platform.contract.catalog import SERVICE_TYPE_LABELS, KioskCapability, Service
from kiosk.services.qrimage import qr_png
from kiosk.views import Action, Pairs, Picture, Text, View

# Values are message ids (marked with N_ for extraction), translated with _ where shown.
FORMS = {"original": N_("原件"), "copy": N_("复印件"), "original_and_copy": N_("原件及复印件"),
         "electronic": N_("电子证照")}
DELIVERY = {"pick_up": N_("窗口领取"), "post": N_("邮寄"), "electronic": N_("电子证照"),
            "print_at_kiosk": N_("自助终端打印")}
DEPTH = {"information": N_("一级（办事指南）"), "download": N_("二级（表格下载）"),
         "pre_review": N_("三级（网上预审）"), "full_online": N_("四级（全程网办）")}
CAPABILITY_ACTIONS = {
    KioskCapability.QUERY: N_("查询"),
    KioskCapability.APPLY: N_("在线申请"),
    KioskCapability.PAY: N_("缴费"),
    KioskCapability.PRINT: N_("打印证明"),
    KioskCapability.QUEUE: N_("取号排队"),
    KioskCapability.APPOINTMENT: N_("预约签到"),
}


def _days(n: int | None) -> str:
    return _("{n} 个工作日").format(n=n) if n is not None else _("无")


def _fen(amount: int) -> str:
    return _("{yuan:.2f} 元").format(yuan=amount / 100)


class GuideJourney(Journey):
    name = "guide"

    def __init__(self, ctx: JourneyContext, service: Service, catalog: CatalogResult | None) -> None:
        super().__init__(ctx)
        self.service = service
        self.catalog = catalog
        self.sample = ""

    def start(self) -> None:
        self.goto("guide")

    def _why_not(self) -> str:
        hours = self.catalog.catalog.hall_hours if self.catalog else None
        if hours is None:
            return ""
        return reason_now(self.service, hours, self.rt.status.snapshot())

    def view(self) -> View:
        s = self.service
        if self.state == "materials":
            return self._materials_view()
        if self.state == "sample":
            return View("guide.sample", _("样表"), (Picture(qr_png(self.sample), _("请用手机扫码查看样表")),),
                        (back_action(),))
        lang = current_language()
        labels = SERVICE_TYPE_LABELS.get(s.type, {})
        type_label = pair(labels) if labels else s.type.value
        english = lang == "en"
        basis, conditions = map(platform_text, s.legal_basis), map(platform_text, s.conditions)
        fees = _("；").join(f"{pick(f.name, f.name_en)} {_fen(f.amount_fen)}" for f in s.fees) or _("不收费")
        result = pick(s.result.certificate_name, s.result.certificate_name_en) or _("无")
        delivery = _("、").join(_(DELIVERY.get(d, d)) for d in s.result.delivery)
        if delivery:
            result = _("{result}（{delivery}）").format(result=result, delivery=delivery)
        rows = (
            (_("事项名称"), pick(s.name, s.name_en)),
            (_("事项编码"), s.code),
            (_("事项类型"), type_label),
            (_("实施主体"), pick(s.department, s.department_en)),
            (_("设定依据"), _("；").join(s.legal_basis_en if english and s.legal_basis_en else basis)),
            (_("受理条件"), _("；").join(s.conditions_en if english and s.conditions_en else conditions)),
            (_("办理流程"), " → ".join(pick(st.title, st.title_en) for st in s.steps)),
            (_("法定时限"), _days(s.legal_time_limit_days)),
            (_("承诺时限"), _days(s.promised_time_limit_days)),
            (_("收费标准"), fees),
            (_("办理地点"), pick(s.where, s.where_en)),
            (_("办理时间"), pick(s.when, s.when_en)),
            (_("到现场次数"), _("{n} 次").format(n=s.visits_needed)),
            (_("办理结果"), result),
            (_("网上办理深度"), _(DEPTH.get(s.online_depth.value, s.online_depth.value))),
            (_("咨询方式"), pick(s.consult, s.consult_en)),
            (_("监督投诉"), pick(s.complaint, s.complaint_en)),
        )
        rows = tuple(r for r in rows if r[1].strip())  # an element the platform left empty is not shown blank
        if self.ctx.elder:
            rows = tuple(r for r in rows if r[0] in (_("事项名称"), _("受理条件"), _("收费标准"), _("办理时间"),
                                                      _("办理地点")))
        blocks: list = []
        why = self._why_not()
        doable = [c for c in s.kiosk_capability if c in CAPABILITY_ACTIONS]
        if why:
            blocks.append(Text(_("本机暂不能办理：") + why, "note"))
        elif doable:
            blocks.append(Text(_("本事项可在本机自助办理"), "success"))
        else:
            blocks.append(Text(_("本事项需到窗口办理，请按指南准备材料"), "note"))
        blocks.append(Pairs(rows))
        actions: list[Action] = [Action(c.value, _(CAPABILITY_ACTIONS[c]), enabled=not why) for c in doable]
        if s.materials:
            actions.append(Action("materials", _("申请材料"), "secondary"))
        actions.append(back_action())
        return View("guide", pick(s.name, s.name_en), tuple(blocks), tuple(actions),
                    prompt=pick(s.name, s.name_en))

    def _materials_view(self) -> View:
        rows = []
        samples = []
        for i, m in enumerate(self.service.materials):
            detail = [_(FORMS.get(m.form, m.form)), _("{n} 份").format(n=m.copies),
                      _("必需") if m.required else _("可选")]
            note = pick(m.note, m.note_en)
            if note:
                detail.append(note)
            rows.append((pick(m.name, m.name_en), _("，").join(detail)))
            if m.sample_form_url:
                samples.append(Action("sample", _("样表：") + pick(m.name, m.name_en), "secondary",
                                      args=(("index", str(i)),)))
        return View("guide.materials", _("申请材料"), (Pairs(tuple(rows)),), (*samples, back_action()))

    # -- actions ------------------------------------------------------------------------
    def on_materials(self) -> None:
        self.goto("materials")

    def on_sample(self, index: str) -> None:
        url = self.service.materials[int(index)].sample_form_url
        if url:
            self.sample = url
            self.goto("sample")

    def on_back(self) -> None:
        if self.state != "guide":
            self.goto("guide" if self.state == "materials" else "materials")
        else:
            self.finish(Outcome.BACK)

    def _open(self, capability: KioskCapability) -> None:
        if capability is KioskCapability.PAY and self.ctx.payments_blocked:
            self.show_error(_("上一笔缴费正在与平台核对，暂不能缴费，请稍后再试"))
            return
        journey = self.ctx.journey_for(capability, self.service)
        if journey is not None:
            self.ctx.open(journey)

    def on_query(self) -> None:
        self._open(KioskCapability.QUERY)

    def on_apply(self) -> None:
        self._open(KioskCapability.APPLY)

    def on_pay(self) -> None:
        self._open(KioskCapability.PAY)

    def on_print(self) -> None:
        self._open(KioskCapability.PRINT)

    def on_queue(self) -> None:
        self._open(KioskCapability.QUEUE)

    def on_appointment(self) -> None:
        self._open(KioskCapability.APPOINTMENT)

    def resume(self, child: Journey, result: Finished) -> None:
        if result.outcome is Outcome.DONE:
            self.ctx.finish_and_rate(self.service.code, result.reference)
        else:
            self.goto("guide")
