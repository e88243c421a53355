"""An organisation's logo: what a person uploads, checked and re-encoded before it is kept.

Never the bytes that were sent: the image is decoded by Pillow (PNG or JPEG only, checked by
their signature and by Pillow's own reading), refused when it would decode to too many pixels
(a decompression bomb), turned upright by its EXIF orientation, converted to sRGB when it
carries a colour profile, shrunk to fit ``BOX`` and written anew without any metadata (EXIF,
GPS, text chunks, profiles, comments). The result is a PNG, or a JPEG when the picture has no
transparency and the JPEG is the smaller of the two (photographs).
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from portal.errors import PayloadTooLarge, ValidationError

MAX_BYTES = 1024 * 1024  # what a person may upload
MAX_PIXELS = 16_000_000  # decoded size; a 4000 × 4000 picture, a 12 MP phone photo
BOX = (600, 300)  # the largest logo kept; a PDF header prints it far smaller
JPEG_QUALITY = 88

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"

LOGO_REQUIRED = _l("Choose a PNG or JPEG image")
LOGO_NOT_AN_IMAGE = _l("The logo must be a PNG or JPEG image")
LOGO_TOO_LARGE = _l("The logo must be at most 1 MB")
LOGO_TOO_MANY_PIXELS = _l("The image is too large: at most %(n)s megapixels")

# What Pillow raises on damaged, truncated or hostile files.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    struct.error,
    UnidentifiedImageError,
)


class _TooManyPixels(Exception):
    pass


@dataclass(frozen=True)
class Logo:
    data: bytes
    media_type: str  # image/png or image/jpeg


def _invalid(message: object = LOGO_NOT_AN_IMAGE) -> ValidationError:
    return ValidationError({"logo": message})


def clean_logo(data: bytes) -> Logo:
    """The logo to keep, made from an upload; ``ValidationError`` (``errors.logo``) when it
    is not a PNG or JPEG Pillow can read, ``PayloadTooLarge`` when it is over ``MAX_BYTES``."""
    if not data:
        raise _invalid(LOGO_REQUIRED)
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(LOGO_TOO_LARGE, errors={"logo": LOGO_TOO_LARGE})
    if data.startswith(PNG_SIGNATURE):
        kind = "PNG"
    elif data.startswith(JPEG_SIGNATURE):
        kind = "JPEG"
    else:
        raise _invalid()
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refuse it too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = _decode(data, kind)
    except (_TooManyPixels, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _invalid(LOGO_TOO_MANY_PIXELS % {"n": MAX_PIXELS // 1_000_000}) from None
    except _DECODE_ERRORS:
        raise _invalid() from None
    return _encode(image)


def _decode(data: bytes, kind: str) -> Image.Image:
    """The picture, upright, in RGB or RGBA, at most ``BOX``, without metadata."""
    with Image.open(io.BytesIO(data), formats=[kind]) as probe:
        _check_pixels(probe)
        probe.verify()  # structure and checksums, before anything is decoded
    with Image.open(io.BytesIO(data), formats=[kind]) as image:
        _check_pixels(image)
        if kind == "JPEG":
            image.draft("RGB", (BOX[0] * 2, BOX[1] * 2))  # decode at a reduced scale
        image.load()
        profile = image.info.get("icc_profile")
        upright = ImageOps.exif_transpose(image) or image
        picture = _to_srgb(upright, profile)
    picture.thumbnail(BOX, Image.Resampling.LANCZOS)
    picture.info = {}
    return picture


def _check_pixels(image: Image.Image) -> None:
    width, height = image.size
    if width < 1 or height < 1:
        raise ValueError("empty image")
    if width * height > MAX_PIXELS:
        raise _TooManyPixels()


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def _to_srgb(image: Image.Image, profile: bytes | None) -> Image.Image:
    """RGB or RGBA pixels; colours mapped from an embedded profile to sRGB when it can."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit grey PNGs
        image = image.point(lambda value: value / 256).convert("L")
    mode = "RGBA" if _has_alpha(image) else "RGB"
    if profile and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            converted = ImageCms.profileToProfile(
                image.convert("RGBA" if mode == "RGBA" else image.mode),
                source,
                ImageCms.createProfile("sRGB"),
                outputMode=mode,
            )
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unusable profile: keep the numbers as they are
    converted = image.convert(mode)
    if mode == "RGBA" and converted.getchannel("A").getextrema() == (255, 255):
        return converted.convert("RGB")  # an alpha channel that hides nothing
    return converted


def _encode(picture: Image.Image) -> Logo:
    png = io.BytesIO()
    picture.save(png, "PNG", optimize=True)
    best = Logo(png.getvalue(), "image/png")
    if picture.mode == "RGB":
        jpeg = io.BytesIO()
        picture.save(jpeg, "JPEG", quality=JPEG_QUALITY, optimize=True)
        if jpeg.tell() < len(best.data):
            best = Logo(jpeg.getvalue(), "image/jpeg")
    return best
