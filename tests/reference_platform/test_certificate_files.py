"""Certificate PDFs: each embeds a font of only its own glyphs, and its text reads back."""

from __future__ import annotations

import subprocess

from reference_platform.certificate_files import CertificateDoc, render_pdf, subset_font


def _doc(name: str, code: str) -> CertificateDoc:
    return CertificateDoc(
        title="无犯罪记录证明", title_en="Certificate of no criminal record", holder_name=name,
        holder_id="440106********1536", rows=[("用途", "Purpose", "出国留学、就业")], issuer="广州市公安局荔湾区分局",
        issued_on="2026-12-01", valid_until="2027-06-01", verification_code=code,
        verification_url=f"https://zwfw.example.gov.cn/verify/{code}",
    )


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_the_pdf_text_reads_back_in_chinese(tmp_path) -> None:
    text = _text(render_pdf(_doc("张*伟", "ABCD2345")), tmp_path)
    for expected in ("无犯罪记录证明", "张*伟", "出国留学、就业", "广州市公安局荔湾区分局", "ABCD2345",
                     "扫码或访问下列地址核验"):
        assert expected in text


def test_each_pdf_embeds_only_its_own_glyphs(tmp_path) -> None:
    font = subset_font()
    small = font.subset("张伟")
    assert len(small) < 10_000  # the whole font is megabytes
    other = render_pdf(_doc("欧阳*娜", "WXYZ6789"))
    assert "欧阳*娜" in _text(other, tmp_path)
    assert len(other) < 150_000


def test_a_character_the_font_lacks_does_not_break_the_pdf(tmp_path) -> None:
    text = _text(render_pdf(_doc("\U0001F600*伟", "QRST2345")), tmp_path)
    assert "伟" in text and "QRST2345" in text
