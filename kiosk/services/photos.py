"""Badge photos: only real JPEG or PNG images, re-encoded with no metadata at all."""

from __future__ import annotations

import io
import warnings

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from kiosk.services.errors import ValidationFailed

#: Largest image accepted, in pixels, checked before decoding (a decompression-bomb guard).
MAX_PIXELS = 25_000_000
#: Size the stored photo is reduced to (portrait passport proportions fit inside).
STORED_SIZE = (600, 800)
#: The door's offline copy: a face the officer compares at arm's length, kept for every holder.
DOOR_SIZE = (150, 200)
#: The most one offline copy may weigh: 20,000 participants fit in 240 MB of a tablet's storage.
DOOR_MAX_BYTES = 12 * 1024


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, {"photo": [message]})


def clean_photo(data: bytes, max_bytes: int) -> tuple[bytes, str]:
    """Check an uploaded photo and return it re-encoded as JPEG, with no EXIF, XMP, ICC or comment."""
    if not data:
        raise _refuse(_("Choose a photo to upload."))
    if len(data) > max_bytes:
        raise _refuse(_("The photo is too large: at most %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
    clean = pixels_only(
        data,
        max_pixels=MAX_PIXELS,
        size=STORED_SIZE,
        too_many_pixels=_refuse(
            _(
                "The photo is too large: at most %(mp)d megapixels. Use a smaller image.",
                mp=MAX_PIXELS // 1_000_000,
            )
        ),
        not_an_image=_refuse(_("This file is not a JPEG or PNG image.")),
        not_jpeg_or_png=_refuse(_("The photo must be a JPEG or PNG image.")),
    )
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=88, optimize=True)
    return out.getvalue(), "image/jpeg"


def pixels_only(
    data: bytes,
    *,
    max_pixels: int,
    size: tuple[int, int],
    too_many_pixels: Exception,
    not_an_image: Exception,
    not_jpeg_or_png: Exception | None = None,
) -> Image.Image:
    """`data` decoded as a JPEG or PNG image, turned upright and reduced to fit `size`, as a new RGB
    image of its pixels only: nothing of the upload's EXIF, XMP, ICC profile or comment is kept.

    Hostile input: the pixel count is checked before decoding and a decompression bomb raises
    `too_many_pixels`; any other format raises `not_jpeg_or_png` (default `not_an_image`), and
    anything Pillow cannot read raises `not_an_image`. Badge photos and credentials documents
    both come through here, each with its own sentences."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ("JPEG", "PNG"):
                raise not_jpeg_or_png or not_an_image
            if image.width * image.height > max_pixels:
                raise too_many_pixels
            image.load()
            image = ImageOps.exif_transpose(image).convert("RGB")
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError):
        raise not_an_image from None
    image.thumbnail(size)
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    return clean


def door_photo(photo: bytes) -> bytes | None:
    """The small JPEG a door scanner keeps for offline use (DOOR_SIZE, at most DOOR_MAX_BYTES).

    None if the stored photo cannot be read (stored before photos were checked and re-encoded).
    """
    try:
        image = Image.open(io.BytesIO(photo))
        image.draft("RGB", DOOR_SIZE)  # decode a JPEG at a fraction of its size (no smaller): fast
        image = image.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    image.thumbnail(DOOR_SIZE)
    for quality in (72, 60, 45, 30):
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=quality, optimize=True)
        if out.tell() <= DOOR_MAX_BYTES:
            break
    return out.getvalue()
