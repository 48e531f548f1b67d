"""PDFs rendered in a worker process, started ahead and served once ready."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reference_platform.certificate_jobs import PdfRenderer

from .test_certificate_files import _doc


def test_one_render_per_document_and_a_new_one_when_it_changes() -> None:
    renderer = PdfRenderer()
    try:
        doc = _doc("张*伟", "ABCD2345")
        first = renderer.start(doc)
        assert renderer.start(doc) is first
        assert renderer.pdf(doc).startswith(b"%PDF") and first.done()
        revoked = replace(doc, status_note="该证明已被出具机构撤销。")
        assert renderer.start(revoked) is not first
        assert renderer.pdf(revoked) != renderer.pdf(doc)
    finally:
        renderer.close()
    with pytest.raises(RuntimeError):
        renderer.start(doc)
