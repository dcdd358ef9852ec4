"""One decoder for bytes: pages and text files, as clean_html, the CLI and the inbox read them."""
import gzip

import pytest

from cleaners import CleaningError
from cleaners.text.decode import decode_page, decode_text, looks_like_html, read_bytes

PAGE = "<html><head><meta charset='{charset}'></head><body><p>Grüße aus Köln – “Zitat”</p></body></html>"


@pytest.mark.parametrize("data,expected", [
    pytest.param(PAGE.format(charset="utf-8").encode("utf-8"), "Grüße aus Köln – “Zitat”", id="utf-8"),
    pytest.param(PAGE.format(charset="windows-1252").encode("windows-1252"), "Grüße aus Köln – “Zitat”", id="declared-cp1252"),
    pytest.param(PAGE.format(charset="iso-8859-1").encode("utf-8"), "Grüße aus Köln – “Zitat”", id="re-encoded-utf-8"),
    pytest.param(b"\xef\xbb\xbf" + PAGE.format(charset="utf-8").encode("utf-8"), "Grüße aus Köln", id="utf-8-bom"),
    pytest.param("\ufeff".encode("utf-16-le") + PAGE.format(charset="utf-16").encode("utf-16-le"), "Grüße", id="utf-16-bom"),
    pytest.param(PAGE.format(charset="utf-16").encode("utf-16-le"), "Grüße", id="utf-16-without-bom"),
])
def test_pages_are_decoded_by_their_marks_and_declarations(data, expected):
    text = decode_page(data)
    assert expected in text and not text.startswith("\ufeff")


@pytest.mark.parametrize("data,code", [
    pytest.param(gzip.compress(PAGE.encode()), "not_html", id="gzip"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "not_html", id="png"),
])
def test_pages_that_are_not_text_are_refused(data, code):
    with pytest.raises(CleaningError) as error:
        decode_page(data)
    assert error.value.code == code


@pytest.mark.parametrize("data,encoding,expected", [
    pytest.param("Grüße".encode(), None, "Grüße", id="utf-8"),
    pytest.param("Grüße".encode("utf-16"), None, "Grüße", id="utf-16-bom"),  # the codec writes the mark
    pytest.param("\ufeffGrüße".encode("utf-8"), None, "Grüße", id="utf-8-bom"),
    pytest.param("Grüße".encode("latin-1"), "latin-1", "Grüße", id="given-encoding"),
    pytest.param("Grüße".encode("utf-16-le"), "utf-16-le", "Grüße", id="given-utf-16"),
    # --encoding utf-16 on a file with its byte-order mark (either order), and a mark that contradicts
    # the encoding given: the mark says what the bytes are
    pytest.param("\ufeffGrüße\n".encode("utf-16-le"), "utf-16", "Grüße\n", id="given-utf-16-le-bom"),
    pytest.param("\ufeffGrüße\n".encode("utf-16-be"), "utf-16", "Grüße\n", id="given-utf-16-be-bom"),
    pytest.param("\ufeffGrüße".encode("utf-16-le"), "utf-16-be", "Grüße", id="bom-beats-given-order"),
    pytest.param("\ufeffGrüße".encode("utf-8"), "latin-1", "Grüße", id="utf-8-bom-beats-latin-1"),
    pytest.param("\ufeffGrüße".encode("utf-32-le"), "utf-16", "Grüße", id="utf-32-bom"),
])
def test_text_files_are_decoded(data, encoding, expected):
    assert decode_text(data, encoding) == expected
    assert read_bytes(data, encoding=encoding) == ("text", expected)  # as the CLI reads a file


@pytest.mark.parametrize("data,code,message", [
    pytest.param("Grüße".encode("latin-1"), "undecodable", "not valid utf-8", id="latin-1-as-utf-8"),
    pytest.param("Plain words here".encode("utf-16-le"), "undecodable", "UTF-16 without a byte-order mark", id="utf-16-no-bom"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary_input", "binary data", id="png"),
    pytest.param(gzip.compress(b"text"), "binary_input", "gzip-compressed", id="gzip"),
])
def test_text_files_that_are_not_text_are_refused(data, code, message):
    with pytest.raises(CleaningError) as error:
        decode_text(data)
    assert error.value.code == code and message in str(error.value)


def test_the_mode_is_sniffed_after_the_byte_order_mark():
    mode, text = read_bytes("<html><body><p>Hallo</p></body></html>".encode("utf-16"))
    assert mode == "html" and text.startswith("<html>")
    assert read_bytes(b"Just a line of text.") == ("text", "Just a line of text.")
    assert looks_like_html("<!-- x --><!DOCTYPE html><html>") and not looks_like_html("a < b")
