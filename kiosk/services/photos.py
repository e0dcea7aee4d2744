"""Badge photos: only real JPEG or PNG images, re-encoded without their metadata."""

from __future__ import annotations

import io
import warnings

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from kiosk.services.errors import ValidationFailed

#: Largest image accepted before decoding, in pixels (a decompression-bomb guard).
MAX_PIXELS = 40_000_000
#: Size the stored photo is reduced to (portrait passport proportions fit inside).
STORED_SIZE = (600, 800)


def clean_photo(data: bytes, max_bytes: int) -> tuple[bytes, str]:
    """Check an uploaded photo and return it re-encoded as JPEG with no metadata."""

    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed(message, {"photo": [message]})

    if not data:
        raise refuse(_("Choose a photo to upload."))
    if len(data) > max_bytes:
        raise refuse(_("The photo is too large: at most %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ("JPEG", "PNG"):
                raise refuse(_("The photo must be a JPEG or PNG image."))
            if image.width * image.height > MAX_PIXELS:
                raise refuse(_("The photo has too many pixels; use a smaller image."))
            image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ):
        raise refuse(_("This file is not a JPEG or PNG image.")) from None
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail(STORED_SIZE)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88, optimize=True)
    return out.getvalue(), "image/jpeg"
