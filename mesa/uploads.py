"""Uploaded evidence files: checked by their content, cleaned, stored privately.

Shared by concerns (evidence) and, later, commitments (action updates).

- `validate_upload` decides what a file IS from its bytes, never from its
  name or the content type the browser sent, refuses anything but photos,
  PDFs and audio recordings, and returns the bytes to store: for a photo a
  copy re-encoded from its pixels only, so EXIF (GPS position, camera,
  owner), XMP, ICC profiles and comments are gone.
- `PrivateStorage` keeps files outside MEDIA_ROOT with no URL: they are
  served only by views that check permissions first.
- `EvidenceFilesField` is the form field for several files in one input
  (Django's documented multiple-file pattern); it checks only the shape
  (how many, how big). Services call `validate_upload` on each file.
"""

from __future__ import annotations

import io
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from struct import error as struct_error

from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_FILES = 5

# Pillow formats we accept, and what the cleaned copy is saved as.
_IMAGE_OUTPUT = {
    "JPEG": ("JPEG", "image/jpeg", "jpg"),
    "PNG": ("PNG", "image/png", "png"),
    "WEBP": ("WEBP", "image/webp", "webp"),
    "GIF": ("PNG", "image/png", "png"),  # first frame only
    # Phone photos with a second, multi-picture image: Pillow's JPEG opener calls them MPO.
    "MPO": ("JPEG", "image/jpeg", "jpg"),
}
_IMAGE_OPENERS = ["JPEG", "PNG", "WEBP", "GIF"]
_JPEG_QUALITY = 85
# Bytes read to recognise a file, and from its end to find a PDF's %%EOF.
_HEAD_BYTES = 64
_PDF_TAIL_BYTES = 1024
# ISO base media "ftyp" brands of audio-only MPEG-4 files (.m4a, .m4b audiobooks).
_M4A_BRANDS = {b"M4A ", b"M4B ", b"F4A "}
# The first Ogg page of an audio stream names its codec.
_OGG_AUDIO_CODECS = (b"\x01vorbis", b"OpusHead", b"\x7fFLAC", b"Speex   ")


def type_not_accepted_message() -> str:
    return gettext("This file type is not accepted: send a photo (JPEG, PNG, WebP), "
                   "a PDF or an audio recording.")


def max_upload_bytes() -> int:
    return int(getattr(settings, "MESA_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


class Kind:
    IMAGE = "image"
    PDF = "pdf"
    AUDIO = "audio"


@dataclass(frozen=True)
class CheckedUpload:
    """What `validate_upload` found.

    `content` is what to store: for an image, the cleaned copy (pixels only,
    upright); for a PDF or an audio recording, the bytes as uploaded, whose
    metadata (author, recording device, location) is NOT stripped.
    """

    kind: str
    content_type: str
    extension: str  # without the dot: "jpg", "png", "webp", "pdf", "mp3", ...
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def metadata_stripped(self) -> bool:
        return self.kind == Kind.IMAGE


def _refuse() -> ValidationError:
    return ValidationError(type_not_accepted_message(), code="file_type")


def _too_big(max_bytes: int) -> ValidationError:
    return ValidationError(gettext("The file is too big: at most %(size)s."),
                           code="file_size", params={"size": filesizeformat(max_bytes)})


def _too_many_pixels() -> ValidationError:
    return ValidationError(gettext("This image has too many pixels: send a smaller photo."),
                           code="image_too_large")


# What Pillow raises on damaged or hostile images (metadata parsing included).
_PILLOW_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
                  struct_error, TypeError, KeyError, IndexError)


def _read_limited(uploaded_file, max_bytes: int) -> bytes:
    """All the bytes, refusing anything over `max_bytes` before reading it whole."""
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > max_bytes:
        raise _too_big(max_bytes)
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    data = uploaded_file.read(max_bytes + 1)
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    if len(data) > max_bytes:
        raise _too_big(max_bytes)
    if not data:
        raise ValidationError(gettext("The file is empty."), code="file_empty")
    return data


def _mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG audio frame header (MP3) with no reserved field values."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    bitrate = head[2] >> 4
    sample_rate = (head[2] >> 2) & 0b11
    return version != 0b01 and layer != 0b00 and bitrate not in (0b0000, 0b1111) and sample_rate != 0b11


def _audio_type(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an audio recording, or None."""
    head = data[:_HEAD_BYTES]
    if (head.startswith(b"ID3") and len(head) >= 10) or _mpeg_audio_frame(head):
        return "audio/mpeg", "mp3"
    if head.startswith(b"OggS") and any(codec in head for codec in _OGG_AUDIO_CODECS):
        return "audio/ogg", "ogg"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav", "wav"
    if head[4:8] == b"ftyp" and len(head) >= 16:
        box_size = int.from_bytes(head[:4], "big")
        brands = {head[8:12]} | {
            head[i:i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)
        }
        if brands & _M4A_BRANDS:
            return "audio/mp4", "m4a"
        return None
    if head.startswith(b"\x1aE\xdf\xa3") and b"webm" in head:
        return "audio/webm", "webm"
    return None


def _is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-_PDF_TAIL_BYTES:]


def _looks_like_image(data: bytes) -> bool:
    return (data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a"))
            or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"))


def _clean_image(data: bytes) -> CheckedUpload:
    """Re-encode a photo from its pixels only, upright (EXIF orientation applied).

    Refuses images whose declared size exceeds Pillow's MAX_IMAGE_PIXELS
    (decompression bombs) before decoding them.
    """
    formats = _IMAGE_OPENERS  # never Pillow's other openers (EPS runs Ghostscript)
    try:
        with Image.open(io.BytesIO(data), formats=formats) as probe:
            if probe.width * probe.height > (Image.MAX_IMAGE_PIXELS or float("inf")):
                raise _too_many_pixels()
            probe.verify()
        # verify() leaves the image unusable: open it again to decode it.
        with Image.open(io.BytesIO(data), formats=formats) as image:
            source_format = image.format
            image.seek(0)  # an animation keeps its first frame
            image.load()
            upright = ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels() from exc
    except _PILLOW_ERRORS as exc:
        raise _refuse() from exc

    save_format, content_type, extension = _IMAGE_OUTPUT[source_format]
    if save_format == "JPEG":
        mode = "L" if upright.mode in ("1", "L") else "RGB"
    elif upright.mode in ("RGB", "RGBA") or (save_format == "PNG" and upright.mode in ("L", "LA")):
        mode = upright.mode
    else:
        mode = "RGBA"
    try:
        converted = upright if upright.mode == mode else upright.convert(mode)
        # A new image from the raw pixels: nothing of the original's info survives.
        clean = Image.frombytes(mode, converted.size, converted.tobytes())
        out = io.BytesIO()
        options = {"quality": _JPEG_QUALITY} if save_format in ("JPEG", "WEBP") else {}
        clean.save(out, format=save_format, **options)
    except _PILLOW_ERRORS as exc:
        raise _refuse() from exc
    return CheckedUpload(kind=Kind.IMAGE, content_type=content_type, extension=extension,
                         content=out.getvalue())


def validate_upload(uploaded_file, *, max_bytes: int | None = None) -> CheckedUpload:
    """Check a file by its content and size; return what to store.

    `max_bytes` defaults to settings.MESA_UPLOAD_MAX_BYTES (10 MiB). Accepted:
    photos (JPEG, PNG, WebP, GIF: saved as a cleaned copy, GIF as PNG), PDF
    and audio (MP3, Ogg, WAV, M4A, WebM). PDFs and audio are stored as
    uploaded: their metadata is NOT stripped (forms warn the person).
    Raises ValidationError with a message the person can act on.
    """
    if max_bytes is None:
        max_bytes = max_upload_bytes()
    data = _read_limited(uploaded_file, max_bytes)
    if _looks_like_image(data):
        return _clean_image(data)
    if _is_pdf(data):
        return CheckedUpload(kind=Kind.PDF, content_type="application/pdf", extension="pdf",
                             content=data)
    audio = _audio_type(data)
    if audio is not None:
        content_type, extension = audio
        return CheckedUpload(kind=Kind.AUDIO, content_type=content_type, extension=extension,
                             content=data)
    raise _refuse()


def validate_uploads(files: list, field: str = "evidence") -> list[CheckedUpload]:
    """Check every file before anything is written; the errors name each refused file,
    under `field`, so the person sees which one to replace."""
    checked, errors = [], []
    for uploaded in files:
        try:
            checked.append(validate_upload(uploaded))
        except ValidationError as exc:
            for message in exc.messages:
                errors.append(ValidationError(
                    gettext("The file “%(name)s” was not accepted. %(reason)s"),
                    code="evidence_file", params={"name": display_name(uploaded), "reason": message},
                ))
    if errors:
        raise ValidationError({field: errors})
    return checked


def random_file_name(extension: str) -> str:
    """A storage name that says nothing about the person or the original file."""
    return f"{uuid.uuid4().hex}.{extension}"


# --- Private storage ----------------------------------------------------------------


def private_media_root() -> Path:
    return Path(getattr(settings, "MESA_PRIVATE_MEDIA_ROOT", settings.BASE_DIR / "var" / "private"))


@deconstructible(path="mesa.uploads.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """Files under settings.MESA_PRIVATE_MEDIA_ROOT, which no URL pattern or web
    server serves: `url()` refuses, so nothing can link to a file directly.

    The root is read when first used (and again after a settings change in
    tests); it must not lie inside MEDIA_ROOT or STATIC_ROOT, which a web
    server may serve publicly.
    """

    def __init__(self):
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)
        setting_changed.connect(self._private_root_changed)

    def _private_root_changed(self, setting, **kwargs):
        if setting in ("MESA_PRIVATE_MEDIA_ROOT", "MEDIA_ROOT", "STATIC_ROOT"):
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    @cached_property
    def base_location(self):
        root = private_media_root().resolve()
        for public in (getattr(settings, "MEDIA_ROOT", None), getattr(settings, "STATIC_ROOT", None)):
            if public and root.is_relative_to(Path(public).resolve()):
                raise ImproperlyConfigured(
                    "MESA_PRIVATE_MEDIA_ROOT must not be inside MEDIA_ROOT or STATIC_ROOT: "
                    "files there could be served without a permission check."
                )
        return str(root)

    @cached_property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL: link to the view that checks permissions.")


private_storage = PrivateStorage()


# --- Form field -----------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceFilesField(forms.FileField):
    """Several files in one input; cleans to a (possibly empty) list.

    Checks only how many and how big; the service that stores them checks
    what they are (`validate_upload`).
    """

    default_help_text = _(
        "Up to %(count)s photos (JPEG, PNG, WebP), PDFs or audio recordings, "
        "at most %(size)s each. Photos are stored without their hidden data "
        "(location, camera). PDFs and audio recordings are stored as sent: "
        "their hidden data (author, device, sometimes location) is kept, so "
        "remove it first if it could identify you."
    )

    def __init__(self, *, max_files: int = DEFAULT_MAX_FILES, **kwargs):
        self.max_files = max_files
        kwargs.setdefault("widget", MultipleFileInput(attrs={
            "accept": "image/jpeg,image/png,image/webp,image/gif,application/pdf,audio/*",
        }))
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", self.default_help_text)
        super().__init__(**kwargs)

    @property
    def help_text(self):
        return self._help_text % {"count": self.max_files,
                                  "size": filesizeformat(max_upload_bytes())}

    @help_text.setter
    def help_text(self, value):
        self._help_text = value

    def clean(self, data, initial=None):
        single_clean = super().clean
        items = data if isinstance(data, (list, tuple)) else [data]
        files = [f for f in (single_clean(item, initial) for item in items) if f]
        if len(files) > self.max_files:
            raise ValidationError(
                gettext("Attach at most %(count)s files."), code="too_many_files",
                params={"count": self.max_files},
            )
        limit = max_upload_bytes()
        for f in files:
            if f.size > limit:
                raise ValidationError(
                    gettext("The file “%(name)s” was not accepted. %(reason)s"),
                    code="file_size",
                    params={"name": display_name(f), "reason": _too_big(limit).messages[0]},
                )
        return files


def display_name(uploaded_file) -> str:
    """The uploaded file's own name, for an error message to the person who sent it."""
    name = os.path.basename(getattr(uploaded_file, "name", "") or "")
    return name[:80] or gettext("(no name)")
