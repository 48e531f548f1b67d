"""The demo service catalogue: services from the seed lists of the cities'
24-hour self-service plans, each with a complete service guide (办事指南)."""

from __future__ import annotations

from typing import Any

from kiosk.platform.contract import (
    Category,
    Fee,
    FormField,
    KioskCapability,
    Material,
    OnlineDepth,
    Service,
    ServiceResult,
    ServiceType,
    Step,
)

K = KioskCapability
T = ServiceType

CATEGORIES = [
    Category(code="social", name="社保医保", name_en="Social insurance", icon="social", order=1),
    Category(code="housing_fund", name="住房公积金", name_en="Housing fund", icon="housing_fund", order=2),
    Category(code="property", name="不动产", name_en="Real estate", icon="property", order=3),
    Category(code="credit", name="个人征信", name_en="Personal credit", icon="credit", order=4),
    Category(code="traffic", name="交通出行", name_en="Traffic", icon="traffic", order=5),
    Category(code="exit_entry", name="出入境", name_en="Exit and entry", icon="exit_entry", order=6),
    Category(code="household", name="户籍治安", name_en="Household registration", icon="household", order=7),
    Category(code="hall", name="预约排队", name_en="Appointments and queue", icon="hall", order=8),
    Category(code="payments", name="便民缴费", name_en="Payments", icon="payments", order=9),
    Category(code="certificates", name="证照打印", name_en="Certificates", icon="certificates", order=10),
]

ID_CARD = Material(
    name="本人有效身份证件",
    name_en="Valid identity document of the applicant",
    form="original",
    note="自助终端读取身份证即可",
    note_en="Reading the ID card at the kiosk is enough",
)
CONSULT = "12345政务服务便民热线；大厅咨询台"
CONSULT_EN = "12345 government service hotline; hall information desk"
COMPLAINT = "12345热线；政务服务网“好差评”；市政务服务数据管理局监督电话 020-12345678"
COMPLAINT_EN = "12345 hotline; the rating section of the government service portal; supervision line 020-12345678"
WHERE = "示范政务服务中心一楼24小时自助服务区及各社区自助终端"
WHERE_EN = "24-hour self-service area, ground floor of the demo service centre, and community kiosks"
WHEN_24H = "24小时"
WHEN_24H_EN = "24 hours"
WHEN_HALL = "工作日 9:00-17:00（法定节假日除外）"
WHEN_HALL_EN = "Working days 9:00-17:00 (except public holidays)"

NAME = FormField(key="name", label="姓名", label_en="Name", prefill="name")
ID_NO = FormField(key="id_number", label="证件号码", label_en="ID number", kind="id_number", prefill="id_number")
PHONE = FormField(key="phone", label="联系电话", label_en="Mobile phone", kind="mobile", prefill="phone")
ADDRESS = FormField(key="address", label="联系地址", label_en="Address", kind="address", prefill="address")


def _query_steps(what: str, what_en: str) -> list[Step]:
    return [
        Step(
            title="身份核验",
            title_en="Identify",
            description="刷身份证、扫政务App码或人脸核验",
            description_en="ID card, government app QR code or face check",
        ),
        Step(title=f"查询{what}", title_en=f"View {what_en}"),
        Step(title="打印（可选）", title_en="Print (optional)"),
    ]


def _apply_steps() -> list[Step]:
    return [
        Step(title="身份核验", title_en="Identify"),
        Step(
            title="填写表单",
            title_en="Fill in the form",
            description="基本信息自动填入",
            description_en="Basic data is filled in for you",
        ),
        Step(title="拍摄材料", title_en="Photograph materials"),
        Step(title="提交并打印回执", title_en="Submit and print the receipt"),
        Step(title="部门审核", title_en="Department review"),
        Step(title="办结", title_en="Completed"),
    ]


def _service(code: str, name: str, name_en: str, **kw: Any) -> Service:
    base: dict[str, Any] = {
        "code": code,
        "name": name,
        "name_en": name_en,
        "consult": CONSULT,
        "consult_en": CONSULT_EN,
        "complaint": COMPLAINT,
        "complaint_en": COMPLAINT_EN,
        "where": WHERE,
        "where_en": WHERE_EN,
        "when": WHEN_24H,
        "when_en": WHEN_24H_EN,
        "visits_needed": 0,
        "online_depth": OnlineDepth.FULL_ONLINE,
        "needs_identity": True,
        "conditions": ["本人办理"],
        "conditions_en": ["In person, for oneself"],
        "materials": [ID_CARD],
        "legal_time_limit_days": None,
        "promised_time_limit_days": 0,
    }
    base.update(kw)
    return Service(**base)


RSJ = ("市人力资源和社会保障局", "Municipal Human Resources and Social Security Bureau")
YBJ = ("市医疗保障局", "Municipal Healthcare Security Bureau")
GJJ = ("市住房公积金管理中心", "Municipal Housing Provident Fund Centre")
BDC = ("市不动产登记中心", "Municipal Real Estate Registration Centre")
ZX = ("中国人民银行征信中心", "Credit Reference Center of the People's Bank of China")
JJ = ("市公安局交通警察支队", "Municipal Traffic Police")
CRJ = ("市公安局出入境管理支队", "Municipal Exit and Entry Administration")
GA = ("市公安局", "Municipal Public Security Bureau")
ZW = ("市政务服务数据管理局", "Municipal Government Services and Data Administration")
SW = ("市自来水有限公司", "Municipal Water Supply Company")
CZ = ("市财政局", "Municipal Finance Bureau")


def _dept(d: tuple[str, str]) -> dict[str, str]:
    return {"department": d[0], "department_en": d[1]}


SERVICES: list[Service] = [
    _service(
        "440100-RSJ-0101",
        "个人社会保险参保缴费查询",
        "Social insurance contribution record",
        type=T.PUBLIC_SERVICE,
        category="social",
        **_dept(RSJ),
        kiosk_capability=[K.QUERY, K.PRINT],
        query_kind="social_security",
        steps=_query_steps("参保缴费记录", "contribution records"),
        legal_basis=["《中华人民共和国社会保险法》第七十四条"],
        legal_basis_en=["Social Insurance Law of the PRC, art. 74"],
    ),
    _service(
        "440100-RSJ-0102",
        "社会保险个人参保证明打印",
        "Social insurance participation certificate",
        type=T.PUBLIC_SERVICE,
        category="certificates",
        **_dept(RSJ),
        kiosk_capability=[K.PRINT],
        required_devices=["a4printer"],
        legal_basis=["《中华人民共和国社会保险法》第七十四条"],
        legal_basis_en=["Social Insurance Law of the PRC, art. 74"],
        result=ServiceResult(
            certificate_name="社会保险个人参保证明",
            certificate_name_en="Social insurance participation certificate",
            delivery=["print_at_kiosk", "electronic"],
        ),
    ),
    _service(
        "440100-YBJ-0201",
        "城乡居民基本医疗保险缴费",
        "Urban and rural residents' medical insurance contribution",
        type=T.PUBLIC_SERVICE,
        category="payments",
        **_dept(YBJ),
        kiosk_capability=[K.PAY],
        fees=[
            Fee(
                name="城乡居民医保个人缴费（年度）",
                name_en="Annual personal contribution",
                amount_fen=38000,
                basis="《关于做好2025年城乡居民基本医疗保障工作的通知》",
                basis_en="Notice on residents' basic medical insurance for 2025",
            )
        ],
        legal_basis=["《中华人民共和国社会保险法》第二十五条"],
        legal_basis_en=["Social Insurance Law, art. 25"],
    ),
    _service(
        "440100-RSJ-0103",
        "就业失业登记",
        "Employment and unemployment registration",
        type=T.PUBLIC_SERVICE,
        category="social",
        **_dept(RSJ),
        kiosk_capability=[K.APPLY],
        online_depth=OnlineDepth.FULL_ONLINE,
        legal_time_limit_days=5,
        promised_time_limit_days=1,
        legal_basis=["《就业服务与就业管理规定》第六十三条"],
        legal_basis_en=["Provisions on Employment Services and Management, art. 63"],
        conditions=["法定劳动年龄内、有劳动能力和就业要求、处于无业状态的本市户籍或常住人员"],
        conditions_en=["Of working age, able and willing to work, currently without work, living in the city"],
        materials=[
            ID_CARD,
            Material(
                name="解除或终止劳动合同证明",
                name_en="Proof of the end of the labour contract",
                form="copy",
                copies=1,
                required=False,
            ),
        ],
        steps=_apply_steps(),
        required_devices=["camera"],
        result=ServiceResult(
            certificate_name="就业创业证",
            certificate_name_en="Employment and entrepreneurship card",
            delivery=["electronic"],
        ),
        form_fields=[
            NAME,
            ID_NO,
            PHONE,
            ADDRESS,
            FormField(
                key="status", label="登记类型", label_en="Registration", kind="choice", choices=["失业登记", "就业登记"]
            ),
            FormField(key="last_employer", label="原工作单位", label_en="Last employer", required=False),
        ],
    ),
    _service(
        "440100-GJJ-0301",
        "住房公积金个人账户查询",
        "Housing provident fund account",
        type=T.PUBLIC_SERVICE,
        category="housing_fund",
        **_dept(GJJ),
        kiosk_capability=[K.QUERY, K.PRINT],
        query_kind="housing_fund",
        steps=_query_steps("缴存明细", "deposits"),
        legal_basis=["《住房公积金管理条例》"],
        legal_basis_en=["Regulations on Housing Provident Fund Management"],
    ),
    _service(
        "440100-GJJ-0302",
        "住房公积金缴存证明打印",
        "Housing provident fund deposit certificate",
        type=T.PUBLIC_SERVICE,
        category="certificates",
        **_dept(GJJ),
        kiosk_capability=[K.PRINT],
        required_devices=["a4printer"],
        legal_basis=["《住房公积金管理条例》"],
        legal_basis_en=["Regulations on Housing Provident Fund Management"],
        result=ServiceResult(
            certificate_name="住房公积金缴存证明",
            certificate_name_en="Housing fund deposit certificate",
            delivery=["print_at_kiosk", "electronic"],
        ),
    ),
    _service(
        "440100-GJJ-0303",
        "住房公积金租房提取",
        "Housing provident fund withdrawal for rent",
        type=T.ADMINISTRATIVE_PAYMENT,
        category="housing_fund",
        **_dept(GJJ),
        kiosk_capability=[K.APPLY],
        legal_time_limit_days=3,
        promised_time_limit_days=1,
        legal_basis=["《住房公积金管理条例》第二十四条"],
        legal_basis_en=["Regulations on Housing Provident Fund Management, art. 24"],
        conditions=["职工本人及配偶在本市无自有住房且租房居住"],
        conditions_en=["Neither the employee nor the spouse owns a home in the city and they rent"],
        materials=[
            ID_CARD,
            Material(name="房屋租赁合同", name_en="Tenancy agreement", form="copy", copies=1),
            Material(name="银行卡", name_en="Bank card", form="original", required=False),
        ],
        steps=_apply_steps(),
        required_devices=["camera"],
        result=ServiceResult(
            certificate_name="提取到账通知", certificate_name_en="Withdrawal notice", delivery=["electronic"]
        ),
        form_fields=[
            NAME,
            ID_NO,
            PHONE,
            FormField(key="monthly_rent_yuan", label="月租金（元）", label_en="Monthly rent (yuan)", kind="number"),
            FormField(key="bank_account", label="收款银行账号", label_en="Bank account", max_length=30),
        ],
    ),
    _service(
        "440100-BDC-0401",
        "不动产登记信息查询",
        "Real estate registration records",
        type=T.PUBLIC_SERVICE,
        category="property",
        **_dept(BDC),
        kiosk_capability=[K.QUERY, K.PRINT],
        query_kind="property",
        steps=_query_steps("名下不动产", "registered property"),
        legal_basis=["《不动产登记资料查询暂行办法》"],
        legal_basis_en=["Interim Measures for Querying Real Estate Registration Data"],
    ),
    _service(
        "440100-BDC-0402",
        "不动产登记资料查询结果证明打印",
        "Real estate record certificate (home ownership proof)",
        type=T.PUBLIC_SERVICE,
        category="certificates",
        **_dept(BDC),
        kiosk_capability=[K.PRINT],
        required_devices=["a4printer"],
        legal_basis=["《不动产登记资料查询暂行办法》第二十一条"],
        legal_basis_en=["Interim Measures for Querying Real Estate Registration Data, art. 21"],
        result=ServiceResult(
            certificate_name="不动产登记资料查询结果证明",
            certificate_name_en="Real estate record certificate",
            delivery=["print_at_kiosk", "electronic"],
        ),
    ),
    _service(
        "440100-BDC-0403",
        "不动产转移登记（网上预审）",
        "Real estate transfer registration (pre-review)",
        type=T.ADMINISTRATIVE_CONFIRMATION,
        category="property",
        **_dept(BDC),
        kiosk_capability=[K.APPLY],
        online_depth=OnlineDepth.PRE_REVIEW,
        visits_needed=1,
        legal_time_limit_days=30,
        promised_time_limit_days=5,
        legal_basis=["《不动产登记暂行条例》第二十条"],
        legal_basis_en=["Interim Regulations on Real Estate Registration, art. 20"],
        conditions=["买卖双方已签订转让合同并完成缴税"],
        conditions_en=["Sale contract signed and taxes paid"],
        materials=[
            ID_CARD,
            Material(name="不动产权属证书", name_en="Real estate title certificate", form="original"),
            Material(name="不动产买卖合同", name_en="Sale contract", form="original_and_copy", copies=1),
            Material(name="完税凭证", name_en="Tax payment receipt", form="copy", copies=1),
            Material(
                name="不动产登记申请书",
                name_en="Registration application form",
                form="original",
                sample_form_url="https://zwfw.example.gov.cn/forms/bdc-0403-sample.pdf",
            ),
        ],
        fees=[
            Fee(
                name="住宅类不动产登记费",
                name_en="Registration fee (housing)",
                amount_fen=8000,
                basis="《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
                basis_en="NDRC/MoF notice on real estate registration fees (2016) No. 2559",
            )
        ],
        steps=_apply_steps(),
        required_devices=["camera"],
        where="示范政务服务中心二楼不动产登记窗口",
        where_en="Real estate windows, first floor of the demo service centre",
        when=WHEN_HALL,
        when_en=WHEN_HALL_EN,
        result=ServiceResult(
            certificate_name="不动产权证书",
            certificate_name_en="Real estate title certificate",
            delivery=["pick_up", "post", "electronic"],
        ),
        form_fields=[
            NAME,
            ID_NO,
            PHONE,
            FormField(key="certificate_no", label="原不动产权证号", label_en="Current title number"),
            FormField(key="buyer_id_number", label="买方证件号码", label_en="Buyer's ID number", kind="id_number"),
        ],
    ),
    _service(
        "440100-ZX-0501",
        "个人信用报告查询",
        "Personal credit report",
        type=T.PUBLIC_SERVICE,
        category="credit",
        **_dept(ZX),
        kiosk_capability=[K.QUERY],
        query_kind="credit",
        steps=_query_steps("个人信用报告", "the credit report"),
        legal_basis=["《征信业管理条例》第十七条"],
        legal_basis_en=["Regulations on Credit Reporting, art. 17"],
    ),
    _service(
        "440100-ZX-0502",
        "个人信用报告打印",
        "Print the personal credit report",
        type=T.PUBLIC_SERVICE,
        category="credit",
        **_dept(ZX),
        kiosk_capability=[K.PAY, K.PRINT],
        required_devices=["a4printer"],
        legal_basis=["《征信业管理条例》第十七条"],
        legal_basis_en=["Regulations on Credit Reporting, art. 17"],
        fees=[
            Fee(
                name="信用报告打印费（本年度第3次起）",
                name_en="Print fee (from the 3rd report in a year)",
                amount_fen=1000,
                basis="《国家发展改革委关于征信服务收费标准的通知》",
                basis_en="NDRC notice on credit reporting service fees",
            )
        ],
        result=ServiceResult(
            certificate_name="个人信用报告", certificate_name_en="Personal credit report", delivery=["print_at_kiosk"]
        ),
    ),
    _service(
        "440100-JJ-0601",
        "交通违法记录查询",
        "Traffic violation records",
        type=T.PUBLIC_SERVICE,
        category="traffic",
        **_dept(JJ),
        kiosk_capability=[K.QUERY],
        query_kind="traffic_violations",
        steps=_query_steps("交通违法记录", "violations"),
        legal_basis=["《道路交通安全违法行为处理程序规定》"],
        legal_basis_en=["Procedures for Handling Road Traffic Safety Violations"],
    ),
    _service(
        "440100-JJ-0602",
        "交通违法罚款缴纳",
        "Pay a traffic fine",
        type=T.ADMINISTRATIVE_PENALTY,
        category="traffic",
        **_dept(JJ),
        kiosk_capability=[K.PAY, K.PRINT],
        legal_basis=["《中华人民共和国行政处罚法》第六十七条"],
        legal_basis_en=["Administrative Penalty Law, art. 67"],
        conditions=["违法行为已处理（已出具处罚决定书）"],
        conditions_en=["The violation has been handled (decision issued)"],
        steps=[
            Step(title="查询待缴罚款", title_en="Look up unpaid fines"),
            Step(title="支付", title_en="Pay"),
            Step(title="打印缴款凭证", title_en="Print the receipt"),
        ],
    ),
    _service(
        "440100-JJ-0603",
        "机动车驾驶证期满换证",
        "Driving licence renewal",
        type=T.ADMINISTRATIVE_LICENSING,
        category="traffic",
        **_dept(JJ),
        kiosk_capability=[K.APPLY, K.PAY],
        legal_time_limit_days=1,
        promised_time_limit_days=1,
        legal_basis=["《机动车驾驶证申领和使用规定》第六十一条"],
        legal_basis_en=["Provisions on Applying for and Using Driving Licences, art. 61"],
        conditions=["驾驶证有效期满前九十日内"],
        conditions_en=["Within 90 days before the licence expires"],
        materials=[
            ID_CARD,
            Material(name="机动车驾驶证", name_en="Driving licence", form="original"),
            Material(name="身体条件证明", name_en="Medical certificate", form="electronic"),
            Material(
                name="近期一寸白底证件照", name_en="Recent 1-inch ID photo, white background", form="original", copies=1
            ),
        ],
        fees=[
            Fee(
                name="驾驶证工本费",
                name_en="Licence production fee",
                amount_fen=1000,
                basis="《关于公安部门收费标准的通知》",
                basis_en="Notice on public security fee standards",
            )
        ],
        steps=_apply_steps(),
        required_devices=["camera"],
        result=ServiceResult(
            certificate_name="机动车驾驶证", certificate_name_en="Driving licence", delivery=["post", "pick_up"]
        ),
        form_fields=[
            NAME,
            ID_NO,
            PHONE,
            ADDRESS,
            FormField(
                key="licence_class",
                label="准驾车型",
                label_en="Licence class",
                kind="choice",
                choices=["C1", "C2", "B1", "B2", "A1", "A2"],
            ),
        ],
    ),
    _service(
        "440100-CRJ-0701",
        "往来港澳通行证再次签注",
        "Endorsement for travel to Hong Kong and Macao",
        type=T.ADMINISTRATIVE_LICENSING,
        category="exit_entry",
        **_dept(CRJ),
        kiosk_capability=[K.APPLY, K.PAY, K.PRINT],
        legal_time_limit_days=7,
        promised_time_limit_days=0,
        legal_basis=["《中国公民因私事往来香港地区或者澳门地区的暂行管理办法》"],
        legal_basis_en=["Interim Measures on Private Travel to Hong Kong or Macao"],
        materials=[
            ID_CARD,
            Material(name="电子往来港澳通行证", name_en="Electronic exit-entry permit", form="original"),
        ],
        fees=[
            Fee(
                name="个人旅游签注（一次有效）",
                name_en="Individual visit endorsement (single)",
                amount_fen=1500,
                basis="《国家发展改革委 财政部关于降低部分出入境证照收费标准的通知》",
                basis_en="NDRC/MoF notice lowering exit-entry document fees",
            )
        ],
        steps=_apply_steps(),
        required_devices=["idreader", "camera"],
        result=ServiceResult(certificate_name="签注", certificate_name_en="Endorsement", delivery=["print_at_kiosk"]),
        form_fields=[
            NAME,
            ID_NO,
            PHONE,
            FormField(
                key="endorsement",
                label="签注种类",
                label_en="Endorsement",
                kind="choice",
                choices=["香港个人旅游一次", "澳门个人旅游一次", "香港团队旅游一次"],
            ),
        ],
    ),
    _service(
        "440100-CRJ-0702",
        "普通护照申领预约",
        "Passport application appointment",
        type=T.ADMINISTRATIVE_LICENSING,
        category="exit_entry",
        **_dept(CRJ),
        kiosk_capability=[K.APPOINTMENT],
        online_depth=OnlineDepth.PRE_REVIEW,
        visits_needed=1,
        legal_time_limit_days=15,
        promised_time_limit_days=7,
        legal_basis=["《中华人民共和国护照法》第五条"],
        legal_basis_en=["Passport Law of the PRC, art. 5"],
        fees=[
            Fee(
                name="普通护照",
                name_en="Ordinary passport",
                amount_fen=12000,
                basis="发改价格〔2019〕914号",
                basis_en="NDRC price notice (2019) No. 914",
            )
        ],
        where="示范政务服务中心三楼出入境窗口",
        where_en="Exit-entry windows, second floor",
        when=WHEN_HALL,
        when_en=WHEN_HALL_EN,
        result=ServiceResult(certificate_name="普通护照", certificate_name_en="Passport", delivery=["post", "pick_up"]),
    ),
    _service(
        "440100-HJ-0801",
        "户籍证明打印",
        "Household registration certificate",
        type=T.ADMINISTRATIVE_CONFIRMATION,
        category="household",
        **_dept(GA),
        kiosk_capability=[K.PRINT],
        required_devices=["a4printer"],
        legal_basis=["《中华人民共和国户口登记条例》"],
        legal_basis_en=["Regulations on Household Registration"],
        result=ServiceResult(
            certificate_name="户籍证明",
            certificate_name_en="Household registration certificate",
            delivery=["print_at_kiosk", "electronic"],
        ),
    ),
    _service(
        "440100-HJ-0802",
        "无犯罪记录证明申请",
        "Certificate of no criminal record",
        type=T.PUBLIC_SERVICE,
        category="household",
        **_dept(GA),
        kiosk_capability=[K.APPLY],
        legal_time_limit_days=3,
        promised_time_limit_days=1,
        legal_basis=["《公安部关于印发〈公安机关办理无犯罪记录证明工作规定〉的通知》"],
        legal_basis_en=["Ministry of Public Security rules on no-criminal-record certificates"],
        steps=_apply_steps(),
        required_devices=["camera"],
        result=ServiceResult(
            certificate_name="无犯罪记录证明",
            certificate_name_en="No criminal record certificate",
            delivery=["electronic", "pick_up"],
        ),
        form_fields=[
            NAME,
            ID_NO,
            PHONE,
            FormField(
                key="purpose",
                label="用途",
                label_en="Purpose",
                kind="choice",
                choices=["就业", "出国（境）", "入学", "其他"],
            ),
        ],
    ),
    _service(
        "440100-ZW-0901",
        "办件进度查询",
        "Application progress",
        type=T.PUBLIC_SERVICE,
        category="hall",
        **_dept(ZW),
        kiosk_capability=[K.QUERY],
        query_kind="case_progress",
        steps=_query_steps("办件进度", "progress"),
        legal_basis=["《国务院关于加快推进全国一体化在线政务服务平台建设的指导意见》"],
        legal_basis_en=["State Council guidance on the national online government service platform"],
    ),
    _service(
        "440100-ZW-0902",
        "预约签到取号",
        "Appointment check-in",
        type=T.PUBLIC_SERVICE,
        category="hall",
        **_dept(ZW),
        kiosk_capability=[K.APPOINTMENT, K.QUEUE],
        needs_identity=False,
        available="hall_hours",
        when=WHEN_HALL,
        when_en=WHEN_HALL_EN,
        required_devices=["printer"],
        materials=[],
        steps=[
            Step(title="输入预约码或刷身份证", title_en="Enter the appointment code or read the ID card"),
            Step(title="打印排队号", title_en="Print the queue ticket"),
        ],
    ),
    _service(
        "440100-ZW-0903",
        "现场排队取号",
        "Queue ticket",
        type=T.PUBLIC_SERVICE,
        category="hall",
        **_dept(ZW),
        kiosk_capability=[K.QUEUE],
        needs_identity=False,
        available="hall_hours",
        when=WHEN_HALL,
        when_en=WHEN_HALL_EN,
        required_devices=["printer"],
        materials=[],
    ),
    _service(
        "440100-ZW-0904",
        "电子证照打印",
        "Print an electronic certificate",
        type=T.PUBLIC_SERVICE,
        category="certificates",
        **_dept(ZW),
        kiosk_capability=[K.PRINT],
        required_devices=["a4printer"],
        legal_basis=["《国务院关于在线政务服务的若干规定》第十条"],
        legal_basis_en=["State Council provisions on online government services, art. 10"],
    ),
    _service(
        "440100-SW-1001",
        "自来水费缴纳",
        "Pay the water bill",
        type=T.PUBLIC_SERVICE,
        category="payments",
        **_dept(SW),
        kiosk_capability=[K.PAY],
        needs_identity=False,
        materials=[],
        conditions=["持水费账单户号"],
        conditions_en=["Have the account number of the water bill"],
    ),
    _service(
        "440100-CZ-1002",
        "非税收入缴款",
        "Pay non-tax government income",
        type=T.OTHER,
        category="payments",
        **_dept(CZ),
        kiosk_capability=[K.PAY, K.PRINT],
        needs_identity=False,
        materials=[],
        legal_basis=["《政府非税收入管理办法》"],
        legal_basis_en=["Measures on Non-Tax Government Income"],
        conditions=["持缴款通知书编号"],
        conditions_en=["Have the payment notice number"],
    ),
]
