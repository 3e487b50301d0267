"""Uploads are judged by their content, photos lose their hidden data, files stay private."""

import io
import struct
import wave
import zlib

import pytest
from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

from mesa.uploads import (
    EvidenceFilesField,
    PrivateStorage,
    random_file_name,
    validate_upload,
)

GPS_IFD = 0x8825
ORIENTATION = 0x0112
RED, BLUE = (255, 0, 0), (0, 0, 255)


def _two_colour_image(size=(40, 20)) -> Image.Image:
    """Left half red, right half blue: shows which way the image was turned."""
    image = Image.new("RGB", size, RED)
    image.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    return image


def _exif_with_gps(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x013B] = "Juana Pérez"  # artist: the owner's name
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (31.0, 44.0, 0.0)  # Ciudad Juárez
    gps[3] = "W"
    gps[4] = (106.0, 29.0, 0.0)
    return exif


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _upload(data: bytes, name: str = "upload.bin", content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _refused_as_wrong_type(excinfo) -> bool:
    return excinfo.value.code == "file_type" and "not accepted" in excinfo.value.messages[0]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels: a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + _png_chunk(b"IEND", b""))


def _wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 800)
    return out.getvalue()


# --- Photos -------------------------------------------------------------------------


def test_a_photo_loses_its_exif_and_gps_and_is_turned_upright():
    original = _encode(_two_colour_image(), "JPEG", exif=_exif_with_gps(orientation=6),
                       comment=b"secret comment", icc_profile=b"secret profile")
    with Image.open(io.BytesIO(original)) as check:  # the test photo really carries them
        assert check.getexif().get_ifd(GPS_IFD)[2] == (31.0, 44.0, 0.0)

    result = validate_upload(_upload(original, "IMG_0001.jpg", "image/jpeg"))

    assert (result.kind, result.content_type, result.extension) == ("image", "image/jpeg", "jpg")
    assert result.metadata_stripped
    with Image.open(io.BytesIO(result.content)) as cleaned:
        assert cleaned.format == "JPEG"
        assert not cleaned.getexif()
        assert not cleaned.getexif().get_ifd(GPS_IFD)
        assert not {"exif", "icc_profile", "comment", "xmp"} & set(cleaned.info)
        # Orientation 6 means "turn 90° clockwise to view": 40x20 becomes 20x40,
        # the red left half on top.
        assert cleaned.size == (20, 40)
        top, bottom = cleaned.convert("RGB").getpixel((10, 5)), cleaned.convert("RGB").getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60
    for secret in (b"Juana", b"PhoneMaker", b"secret comment", b"secret profile", b"Exif"):
        assert secret not in result.content


def test_a_png_loses_its_text_chunks_and_exif():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Juana Pérez")
    original = _encode(_two_colour_image(), "PNG", pnginfo=info, exif=_exif_with_gps(orientation=1))

    result = validate_upload(_upload(original, "captura.png"))

    assert result.content_type == "image/png"
    assert b"Juana" not in result.content
    with Image.open(io.BytesIO(result.content)) as cleaned:
        assert cleaned.format == "PNG" and not cleaned.getexif() and "Author" not in cleaned.info


def test_a_webp_stays_webp_without_its_exif():
    original = _encode(_two_colour_image(), "WEBP", exif=_exif_with_gps(orientation=1))

    result = validate_upload(_upload(original, "foto.webp"))

    assert (result.content_type, result.extension) == ("image/webp", "webp")
    with Image.open(io.BytesIO(result.content)) as cleaned:
        assert cleaned.format == "WEBP" and not cleaned.getexif()


def test_a_gif_becomes_a_png_of_its_first_frame():
    frames = [Image.new("RGB", (10, 10), RED), Image.new("RGB", (10, 10), BLUE)]
    original = _encode(frames[0], "GIF", save_all=True, append_images=frames[1:])

    result = validate_upload(_upload(original, "animado.gif"))

    assert (result.content_type, result.extension) == ("image/png", "png")
    with Image.open(io.BytesIO(result.content)) as cleaned:
        assert cleaned.convert("RGB").getpixel((5, 5)) == RED


def test_a_phone_photo_with_a_second_picture_inside_stays_a_jpeg():
    """Many phones save JPEGs with a multi-picture extension (Pillow calls them MPO)."""
    original = _encode(_two_colour_image(), "MPO", save_all=True,
                       append_images=[Image.new("RGB", (40, 20))], exif=_exif_with_gps())
    with Image.open(io.BytesIO(original), formats=["JPEG"]) as check:
        assert check.format == "MPO"

    result = validate_upload(_upload(original, "IMG_0002.jpg"))

    assert result.content_type == "image/jpeg"
    with Image.open(io.BytesIO(result.content)) as cleaned:
        assert cleaned.format == "JPEG" and not cleaned.getexif()


def test_a_png_named_pdf_is_accepted_as_an_image():
    png = _encode(_two_colour_image(), "PNG")

    result = validate_upload(_upload(png, "informe.pdf", "application/pdf"))

    assert (result.kind, result.content_type, result.extension) == ("image", "image/png", "png")


# --- Refused types -----------------------------------------------------------------


def test_a_text_file_named_jpg_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(_upload(b"just some text, not a photo", "photo.jpg", "image/jpeg"))
    assert _refused_as_wrong_type(excinfo)
    assert excinfo.value.messages == [
        "This file type is not accepted: send a photo (JPEG, PNG, WebP), a PDF or an audio recording."
    ]


@pytest.mark.parametrize("data", [
    b"\xff\xd8\xff\xe0 a JPEG start and then nothing",
    _encode(_two_colour_image(), "JPEG")[:200],  # truncated photo
    b"GIF89a not really",
    b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    b"<!doctype html><script>alert(1)</script>",
    b"MZ\x90\x00 an executable",
    b"PK\x03\x04 a zip or an office document",
], ids=["jpeg-magic-only", "truncated-jpeg", "gif-magic-only", "svg", "html", "exe", "zip"])
def test_damaged_or_other_files_are_refused(data):
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(_upload(data, "evidence.jpg", "image/jpeg"))
    assert _refused_as_wrong_type(excinfo)


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO", "PPM"])
def test_image_formats_other_than_jpeg_png_webp_gif_are_refused(fmt):
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(_upload(_encode(_two_colour_image(), fmt), "foto.jpg", "image/jpeg"))
    assert _refused_as_wrong_type(excinfo)


@pytest.mark.filterwarnings("ignore:.*:UserWarning:PIL")  # Pillow's notes on corrupt EXIF
def test_damaged_photos_are_refused_or_cleaned_never_an_unexpected_error():
    """Flipped bytes anywhere in a photo with EXIF: a clean copy or a ValidationError."""
    import random

    original = _encode(_two_colour_image(), "JPEG", exif=_exif_with_gps())
    rng = random.Random(4)  # a fixed sample of damage
    for _ in range(300):
        damaged = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            result = validate_upload(_upload(bytes(damaged)))
        except ValidationError:
            continue
        if result.kind == "image":
            with Image.open(io.BytesIO(result.content)) as cleaned:
                assert not cleaned.getexif()


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError, match="empty"):
        validate_upload(_upload(b"", "vacio.jpg", "image/jpeg"))


# --- PDF ------------------------------------------------------------------------------


def test_a_pdf_is_accepted_and_stored_as_uploaded():
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

    result = validate_upload(_upload(pdf, "denuncia.PDF", "application/pdf"))

    assert (result.kind, result.content_type, result.extension) == ("pdf", "application/pdf", "pdf")
    assert result.content == pdf
    assert not result.metadata_stripped


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n but the file was cut short",
    b"<html>%PDF-1.4 %%EOF</html>",
    b"not a pdf %%EOF",
], ids=["no-eof", "html-quoting-pdf-markers", "eof-only"])
def test_a_fake_pdf_is_refused(data):
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(_upload(data, "documento.pdf", "application/pdf"))
    assert _refused_as_wrong_type(excinfo)


# --- Audio ----------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "content_type", "extension"), [
    (b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 64, "audio/mpeg", "mp3"),
    (b"\xff\xfb\x90\x64" + b"\x00" * 64, "audio/mpeg", "mp3"),
    (b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1e\x01vorbis" + b"\x00" * 32, "audio/ogg", "ogg"),
    (b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x13OpusHead" + b"\x00" * 32, "audio/ogg", "ogg"),
    (_wav(), "audio/wav", "wav"),
    (b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42isom" + b"\x00" * 32, "audio/mp4", "m4a"),
    (b"\x1aE\xdf\xa3\x9fB\x86\x81\x01B\xf7\x81\x01B\xf2\x81\x04B\xf3\x81\x08B\x82\x84webm"
     + b"\x00" * 32, "audio/webm", "webm"),
], ids=["mp3-id3", "mp3-frame", "ogg-vorbis", "ogg-opus", "wav", "m4a", "webm"])
def test_audio_recordings_are_recognised_by_their_content(data, content_type, extension):
    result = validate_upload(_upload(data, "grabacion.txt", "text/plain"))

    assert (result.kind, result.content_type, result.extension) == ("audio", content_type, extension)
    assert result.content == data


@pytest.mark.parametrize("data", [
    b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00isommp41" + b"\x00" * 32,  # an MP4 video
    b"OggS\x00\x02" + b"\x00" * 20 + b"\x80theora" + b"\x00" * 32,  # an Ogg video
    b"RIFF\x00\x00\x00\x00AVI LIST" + b"\x00" * 32,  # an AVI video
    b"\xff\xff\xff\xff" + b"\x00" * 32,  # frame sync with reserved values
], ids=["mp4-video", "ogg-theora", "avi", "bad-frame"])
def test_videos_and_lookalikes_are_not_taken_for_audio(data):
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(_upload(data, "audio.mp3", "audio/mpeg"))
    assert _refused_as_wrong_type(excinfo)


# --- Size and decompression bombs --------------------------------------------------


def test_an_oversized_file_is_refused_with_the_limit_in_the_message(settings):
    settings.MESA_UPLOAD_MAX_BYTES = 1024
    pdf = b"%PDF-1.7\n" + b"0" * 2000 + b"\n%%EOF\n"

    with pytest.raises(ValidationError) as excinfo:
        validate_upload(_upload(pdf, "grande.pdf"))

    assert excinfo.value.code == "file_size"
    assert excinfo.value.messages == ["The file is too big: at most 1.0\xa0KB."]


def test_the_size_limit_can_be_given_by_the_caller():
    pdf = b"%PDF-1.7\n" + b"0" * 2000 + b"\n%%EOF\n"
    with pytest.raises(ValidationError, match="too big"):
        validate_upload(_upload(pdf), max_bytes=100)
    assert validate_upload(_upload(pdf), max_bytes=len(pdf)).kind == "pdf"


def test_a_file_larger_than_it_says_is_still_refused():
    """The limit holds on the bytes read, not only on the size the upload reports."""
    pdf = ContentFile(b"%PDF-1.7\n" + b"0" * 2000 + b"\n%%EOF\n")
    pdf.size = 10
    with pytest.raises(ValidationError, match="too big"):
        validate_upload(pdf, max_bytes=100)


def test_a_decompression_bomb_is_refused():
    bomb = _png_claiming(50_000, 50_000)  # a few hundred bytes claiming 2.5 billion pixels
    assert len(bomb) < 1000

    with pytest.raises(ValidationError) as excinfo:
        validate_upload(_upload(bomb, "mapa.png"))

    assert excinfo.value.code == "image_too_large"


def test_an_image_over_the_pixel_limit_is_refused_before_it_is_decoded(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)
    photo = _encode(Image.new("RGB", (20, 30)), "PNG")  # 600 pixels: over, but under twice

    with pytest.warns(Image.DecompressionBombWarning), pytest.raises(ValidationError) as excinfo:
        validate_upload(_upload(photo, "foto.png"))

    assert excinfo.value.code == "image_too_large"


# --- Storage and names --------------------------------------------------------------


def test_stored_names_are_random_and_keep_only_the_checked_extension():
    first, second = random_file_name("jpg"), random_file_name("jpg")
    assert first != second
    assert first.endswith(".jpg") and len(first) == 32 + 4


def test_private_files_have_no_url(settings, tmp_path):
    settings.MESA_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    storage = PrivateStorage()
    name = storage.save("evidence/a.pdf", ContentFile(b"%PDF-1.7\n%%EOF"))

    assert (tmp_path / "private" / name).exists()
    with pytest.raises(ValueError, match="no URL"):
        storage.url(name)


def test_private_files_are_readable_by_the_owner_only(settings, tmp_path):
    settings.MESA_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    storage = PrivateStorage()
    name = storage.save("evidence/a.pdf", ContentFile(b"%PDF-1.7\n%%EOF"))

    assert (tmp_path / "private" / name).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "private" / "evidence").stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("public_root", ["MEDIA_ROOT", "STATIC_ROOT"])
def test_a_private_root_inside_a_public_folder_is_refused(settings, tmp_path, public_root):
    setattr(settings, public_root, tmp_path / "public")
    settings.MESA_PRIVATE_MEDIA_ROOT = tmp_path / "public" / "private"

    with pytest.raises(ImproperlyConfigured, match="must not be inside"):
        PrivateStorage().save("a.pdf", ContentFile(b"%PDF-1.7\n%%EOF"))


def test_the_private_root_follows_a_settings_change(settings, tmp_path):
    storage = PrivateStorage()
    settings.MESA_PRIVATE_MEDIA_ROOT = tmp_path / "one"
    assert storage.location == str(tmp_path / "one")
    settings.MESA_PRIVATE_MEDIA_ROOT = tmp_path / "two"
    assert storage.location == str(tmp_path / "two")


# --- Form field -----------------------------------------------------------------------


class EvidenceForm(forms.Form):
    evidence = EvidenceFilesField(label="Evidence")


def _files(*names):
    return [_upload(b"%PDF-1.7\n%%EOF", name) for name in names]


def test_the_evidence_field_takes_several_files_in_one_input():
    form = EvidenceForm(data={}, files=_multi(_files("a.pdf", "b.pdf")))

    assert form.is_valid(), form.errors
    assert [f.name for f in form.cleaned_data["evidence"]] == ["a.pdf", "b.pdf"]
    assert 'multiple' in str(form["evidence"])
    assert 'type="file"' in str(form["evidence"])


def test_the_evidence_field_is_optional_and_cleans_to_an_empty_list():
    form = EvidenceForm(data={}, files={})
    assert form.is_valid()
    assert form.cleaned_data["evidence"] == []


def test_the_evidence_field_refuses_more_than_five_files():
    form = EvidenceForm(data={}, files=_multi(_files(*[f"{n}.pdf" for n in range(6)])))
    assert not form.is_valid()
    assert form.errors["evidence"] == ["Attach at most 5 files."]


def test_the_evidence_field_refuses_a_file_over_the_limit_by_name(settings):
    settings.MESA_UPLOAD_MAX_BYTES = 5
    form = EvidenceForm(data={}, files=_multi(_files("grande.pdf")))
    assert not form.is_valid()
    assert form.errors["evidence"] == [
        "The file “grande.pdf” was not accepted. The file is too big: at most 5\xa0bytes."
    ]


def test_the_evidence_field_warns_that_pdf_and_audio_keep_their_metadata(settings):
    settings.MESA_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    help_text = str(EvidenceForm()["evidence"].help_text)
    assert "10.0\xa0MB" in help_text and "Up to 5" in help_text
    assert "PDFs and audio recordings are stored as sent" in help_text


def _multi(files):
    from django.utils.datastructures import MultiValueDict

    return MultiValueDict({"evidence": files})
