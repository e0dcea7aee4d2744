"""Chromium's fake camera: a .y4m video of a QR code, and a browser that plays it as the webcam."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser

from kiosk.services.mail import qr_png
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

WIDTH, HEIGHT = 640, 480


def qr_frame(code: str) -> Image.Image:
    """A 640×480 grey frame with the code's QR (as in the e-mail) held in its middle."""
    qr = Image.open(io.BytesIO(qr_png(code, box_size=6))).convert("RGB")
    side = min(HEIGHT - 40, max(qr.size))
    qr = qr.resize((side, side), Image.NEAREST)
    frame = Image.new("RGB", (WIDTH, HEIGHT), (180, 180, 175))
    frame.paste(qr, ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    return frame


def write_y4m(path: Path, frame: Image.Image, frames: int = 20) -> Path:
    """Write `frame` as a 10 fps Y4M video (4:2:0), which Chromium loops as its fake camera."""
    y, u, v = frame.convert("YCbCr").split()
    half = (frame.width // 2, frame.height // 2)
    u, v = u.resize(half, Image.NEAREST), v.resize(half, Image.NEAREST)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{frame.width} H{frame.height} F10:1 Ip A1:1 C420jpeg\n".encode())
        chunk = b"FRAME\n" + y.tobytes() + u.tobytes() + v.tobytes()
        for _ in range(frames):
            out.write(chunk)
    return path


def camera_args(y4m: Path) -> list[str]:
    """Chromium flags that make `y4m` the camera and grant it without asking."""
    return [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
    ]


def launch_with_camera(browser: Browser, y4m: Path) -> Browser:
    """Another Chromium of the same Playwright, whose camera plays `y4m` (close it when done)."""
    return browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + camera_args(y4m))
