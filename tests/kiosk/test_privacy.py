import logging

from kiosk import privacy


def test_mask_id_keeps_first_six_and_last_four():
    assert privacy.mask_id("11010519491231002X") == "110105********002X"


def test_mask_name_variants():
    assert privacy.mask_name("张三") == "*三"
    assert privacy.mask_name("张小三") == "张*三"
    assert privacy.mask_name("欧阳小明") == "欧**明"
    assert privacy.mask_name("John Smith") == "J*** S****"


def test_mask_phone_and_payment_code():
    assert privacy.mask_phone("13812341234") == "138****1234"
    assert privacy.mask_payment_code("134567890123456789") == "**************6789"


def test_scrub_masks_everything_personal_in_free_text():
    text = "card 11010519491231002X phone 13812341234 paycode 281234567890123456"
    out = privacy.scrub(text)
    assert "11010519491231002X" not in out
    assert "110105********002X" in out
    assert "13812341234" not in out and "138****1234" in out
    assert "281234567890123456" not in out and out.endswith("3456")


def test_logging_filter_masks_args(caplog):
    logger = logging.getLogger("test.privacy")
    handler = logging.Handler()
    records: list[logging.LogRecord] = []
    handler.emit = records.append  # type: ignore[method-assign]
    handler.addFilter(privacy.MaskingFilter())
    logger.addHandler(handler)
    try:
        logger.warning("read card %s for %s", "11010519491231002X", "13812341234")
    finally:
        logger.removeHandler(handler)
    assert records and records[0].getMessage() == "read card 110105********002X for 138****1234"


def test_address_keeps_the_region_only() -> None:
    from kiosk.privacy import mask_address

    assert mask_address("北京市朝阳区建国路88号院3号楼1201室") == "北京市朝阳区****"
    assert mask_address("  ") == ""
    assert "88" not in mask_address("朝阳区建国路88号")
