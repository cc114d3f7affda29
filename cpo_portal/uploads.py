"""What an uploaded file really is, judged by its content, not by its name or the browser's
content type: the checks every feature that takes files shares.

`sniff_magic` tells PDF, PNG and JPEG apart by their first bytes; `check_image` is the whole
check of a picture (the annual report's images): not empty, not too large, PNG or JPEG by
content with a matching name, decodable, and of sane dimensions, read from the header
without decoding the pixels (a decompression bomb is refused before it is inflated). SVG is
refused: it is a document that can carry scripts and external references, not a picture.
`image_without_metadata` re-encodes a checked picture so that what a camera or an editor
wrote beside the pixels (EXIF with GPS position, camera serial, XMP, comments, text chunks)
is not stored: the visible image stays, turned upright by its EXIF orientation.

certification/uploads.py builds its evidence check (PDF, PNG, JPEG and office files) on the
same types and sniffer.
"""

import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

from cpo_portal.errors import DomainError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_SIDE = 8000  # pixels, each side
MAX_IMAGE_PIXELS = 40_000_000  # width × height: a 40-megapixel photo at most


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileType("PDF", "application/pdf", ("pdf",))
PNG = FileType("PNG", "image/png", ("png",))
JPEG = FileType("JPEG", "image/jpeg", ("jpg", "jpeg"))
IMAGES = (PNG, JPEG)
IMAGE_ACCEPT_ATTRIBUTE = ",".join(
    [t.content_type for t in IMAGES] + [f".{e}" for t in IMAGES for e in t.extensions]
)

_MAGIC = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
)


def sniff_magic(stream: IO[bytes]) -> FileType | None:
    """PDF, PNG or JPEG by the first bytes, or None; the stream is left at its start."""
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    for magic, found in _MAGIC:
        if head.startswith(magic):
            return found
    return None


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def require_matching_name(found: FileType, name: str) -> None:
    """The name's extension must agree with the content: `report.pdf` must be a PDF."""
    if extension_of(name) not in found.extensions:
        raise DomainError(
            _("The file's name does not match its content (%(type)s).") % {"type": found.label},
            code="file_type",
        )


def require_size(size: int | None, *, limit: int) -> None:
    if size is None or size <= 0:
        raise DomainError(_("The file is empty."), code="empty")
    if size > limit:
        raise DomainError(
            _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)},
            code="too_large",
        )


def image_dimensions(stream: IO[bytes], found: FileType) -> tuple[int, int]:
    """Width and height from the header; the whole file is verified as an image of its
    type (a truncated or forged one is refused). Nothing is decoded into pixels."""
    from PIL import Image, UnidentifiedImageError

    unreadable = DomainError(_("The image cannot be read."), code="file_type")
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream, formats=[found.label]) as image:
                size = image.size
                image.verify()  # structure and checksums, without decoding the pixels
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DomainError(_("The image has too many pixels."), code="dimensions") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise unreadable from exc
    finally:
        stream.seek(0)
    return size


def check_image(
    stream: IO[bytes], *, name: str, size: int | None, limit: int | None = None
) -> FileType:
    """Refuse what is empty, too large (`limit`, else MAX_IMAGE_BYTES), no PNG or JPEG by
    content, named as something else, unreadable, or of absurd dimensions; the type found
    otherwise."""
    require_size(size, limit=limit or MAX_IMAGE_BYTES)
    found = sniff_magic(stream)
    if found not in IMAGES:
        raise DomainError(
            _("This file type is not accepted. Upload a PNG or JPEG image."), code="file_type"
        )
    assert found is not None
    require_matching_name(found, name)
    width, height = image_dimensions(stream, found)
    if min(width, height) < 1 or max(width, height) > MAX_IMAGE_SIDE:
        raise DomainError(
            _("The image must be between 1 and %(max)d pixels wide and high.")
            % {"max": MAX_IMAGE_SIDE},
            code="dimensions",
        )
    if width * height > MAX_IMAGE_PIXELS:
        raise DomainError(_("The image has too many pixels."), code="dimensions")
    return found


def image_without_metadata(stream: IO[bytes], found: FileType) -> bytes:
    """The picture re-encoded in its own type without its metadata (EXIF, GPS, XMP,
    comments, PNG text chunks), the EXIF orientation applied to the pixels. Kept: the
    colour profile and a PNG's transparency, which are part of what is seen. Call it after
    `check_image` (the dimensions are checked before anything is decoded here)."""
    from PIL import ExifTags, Image, ImageOps, JpegImagePlugin

    stream.seek(0)
    try:
        with Image.open(stream, formats=[found.label]) as source:
            source.load()
            icc_profile = source.info.get("icc_profile")
            transparency = source.info.get("transparency")
            turned = source.getexif().get(ExifTags.Base.Orientation, 1) not in (1, None)
            upright = ImageOps.exif_transpose(source)  # a copy, turned upright if need be
            options: dict[str, object] = {}
            if icc_profile:
                options["icc_profile"] = icc_profile
            if found is JPEG:
                # The original's quantization tables keep its quality (no second loss of
                # detail, no growth); its chroma sampling too unless the picture was turned.
                quantization = getattr(source, "quantization", None)
                if quantization:
                    options["qtables"] = quantization
                else:
                    options["quality"] = 95
                sampling = JpegImagePlugin.get_sampling(source)
                if not turned and sampling != -1:
                    options["subsampling"] = sampling
            else:
                options["optimize"] = True
                if transparency is not None and upright.mode in ("P", "L", "RGB"):
                    options["transparency"] = transparency
            upright.info = {}  # nothing of the original's info is written implicitly
            output = io.BytesIO()
            upright.save(output, format=found.label, **options)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise DomainError(_("The image cannot be read."), code="file_type") from exc
    finally:
        stream.seek(0)
    return output.getvalue()
