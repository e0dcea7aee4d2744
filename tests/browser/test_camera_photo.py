"""Badge photos from the camera, in Chromium with a fake camera (a .y4m video of a face-like picture):
the focal point's page and the desk, in English and Arabic; the stored photo comes from the camera.

Set SAVE_SCREENSHOTS=1 to refresh docs/credentials/camera-*.png.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from kiosk.extensions import db
from kiosk.models import Participant, Role, Status
from tests.browser.axe import report, serious_violations
from tests.browser.camera import HEIGHT, WIDTH, launch_with_camera, write_y4m
from tests.conftest import PASSWORD

SAVE = os.environ.get("SAVE_SCREENSHOTS") == "1"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "credentials"
BACKGROUND = (40, 90, 160)  # blue wall
FACE = (230, 150, 60)  # an orange oval in the middle of the picture


def face_frame() -> Image.Image:
    """A 640×480 picture: a blue wall and, in the middle, an orange oval where a face would be."""
    frame = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    ImageDraw.Draw(frame).ellipse(
        (WIDTH / 2 - 90, HEIGHT / 2 - 120, WIDTH / 2 + 90, HEIGHT / 2 + 120), fill=FACE
    )
    return frame


@pytest.fixture
def camera_browser(browser, tmp_path):
    """A Chromium whose camera films the face-like picture."""
    launched = launch_with_camera(browser, write_y4m(tmp_path / "face.y4m", face_frame()))
    yield launched
    launched.close()


def shoot(page: Page, name: str, tmp_path: Path) -> None:
    folder = DOCS if SAVE else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name))


def close(colour: tuple[int, ...], wanted: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, wanted, strict=False))


def assert_photo_from_the_camera(app, participant_id: int) -> None:
    """The stored photo is the camera's picture cropped to the face frame (3:4), re-encoded as JPEG."""
    with app.app_context():
        person = db.session.get(Participant, participant_id)
        assert person.photo is not None and person.photo_type == "image/jpeg"
        image = Image.open(io.BytesIO(person.photo))
        assert image.format == "JPEG" and image.size == (600, 800)
        assert not image.getexif()
        rgb = image.convert("RGB")
        assert close(rgb.getpixel((300, 400)), FACE), rgb.getpixel((300, 400))  # the face in the middle
        assert close(rgb.getpixel((10, 400)), BACKGROUND), rgb.getpixel((10, 400))  # the wall beside it


def take_photo(page: Page, root: str, tmp_path: Path, shots: str | None) -> None:
    """Open the camera, take a photo, retake it, take it again and use it."""
    page.locator(f"{root} .camera-start").click()
    dialog = page.locator(f"{root} dialog")
    expect(dialog).to_be_visible()
    page.wait_for_function("(root) => document.querySelector(root + ' video').videoWidth > 0", arg=root)
    expect(dialog.locator(".camera-frame")).to_be_visible()
    assert not serious_violations(page), report(serious_violations(page))
    if shots:
        shoot(page, f"camera-{shots}-1-live.png", tmp_path)
    dialog.locator(".camera-capture").click()
    expect(dialog.locator(".camera-use")).to_be_visible()
    expect(dialog.locator("video")).to_be_hidden()
    dialog.locator(".camera-retake").click()
    expect(dialog.locator("video")).to_be_visible()
    dialog.locator(".camera-capture").click()
    expect(dialog.locator(".camera-still")).to_be_visible()
    if shots:
        shoot(page, f"camera-{shots}-2-taken.png", tmp_path)
    dialog.locator(".camera-use").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(f"{root} .camera-preview")).to_be_visible()
    if shots:
        page.locator(f"{root} .camera-preview").scroll_into_view_if_needed()
        shoot(page, f"camera-{shots}-3-ready.png", tmp_path)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_focal_point_takes_a_photo_with_the_camera(
    app, live_server, camera_browser, make_delegation, make_participant, delegation_link, tmp_path, language
):
    delegation = make_delegation(name="Chile")
    person = make_participant(delegation=delegation, given_name="Ana", family_name="Rojas")
    secret = delegation_link(delegation)
    context = camera_browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.grant_permissions(["camera"], origin=live_server)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/d/{secret}/?lang={language}")
        if language == "ar":
            assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        row = f"tr[data-participant='{person.id}']"
        take_photo(page, row, tmp_path, f"focal-point-{language}")
        expect(page.locator(f"#photo-{person.id}-chosen")).to_have_text("camera-photo.jpg")
        page.locator(f"{row} .photo-form button[type=submit]").click()
        expect(page.locator(".notice-success")).to_be_visible()
        expect(page.locator(f"{row} img.thumb")).to_be_visible()
        if language == "en":
            expect(page.locator(".notice-success")).to_contain_text("The photo of Ana Rojas is saved.")
        assert_photo_from_the_camera(app, person.id)
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_desk_takes_a_walk_ins_photo_with_the_camera(
    app, live_server, camera_browser, make_event, make_delegation, make_user, tmp_path, language
):
    event = make_event()
    make_delegation(event=event, name="Kenya", country="KE")
    user = make_user(Role.DESK)
    context = camera_browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.grant_permissions(["camera"], origin=live_server)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.fill("#email", user.email)
        page.fill("#password", PASSWORD)
        page.locator("form button[type=submit]").click()
        page.goto(f"{live_server}/desk/{event.slug}/walk-in?lang={language}")
        if language == "ar":
            assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        page.select_option("#delegation_id", label="كينيا" if language == "ar" else "Kenya")  # UN names
        page.fill("#given_name", "Wanjiru")
        page.fill("#family_name", "Kamau")
        take_photo(page, ".camera[data-camera-for='walk-in-photo']", tmp_path, f"desk-{language}")
        expect(page.locator("#walk-in-photo-chosen")).to_have_text("camera-photo.jpg")
        page.locator("#register-walk-in").click()
        expect(page.locator(".notice-success")).to_be_visible()
        expect(page.locator("#photo-on-file")).to_be_visible()
        with app.app_context():
            person = db.session.query(Participant).filter_by(given_name="Wanjiru").one()
            assert person.status == Status.ACCREDITED
            participant_id = person.id
        assert_photo_from_the_camera(app, participant_id)
    finally:
        context.close()


def test_without_a_camera_a_sentence_says_so_and_upload_still_works(
    app, live_server, page, make_delegation, make_participant, delegation_link, tmp_path
):
    # The ordinary test browser has no camera at all.
    delegation = make_delegation(name="Chile")
    person = make_participant(delegation=delegation, given_name="Ana", family_name="Rojas")
    page.goto(f"{live_server}/d/{delegation_link(delegation)}/")
    row = f"tr[data-participant='{person.id}']"
    page.locator(f"{row} .camera-start").click()
    message = page.locator(f"{row} .camera-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Choose a photo file instead.")
    expect(page.locator(f"{row} dialog")).to_be_hidden()
    picture = io.BytesIO()
    face_frame().save(picture, format="PNG")
    page.set_input_files(
        f"#photo-{person.id}",
        files=[{"name": "ana.png", "mimeType": "image/png", "buffer": picture.getvalue()}],
    )
    page.locator(f"{row} .photo-form button[type=submit]").click()
    expect(page.locator(".notice-success")).to_contain_text("The photo of Ana Rojas is saved.")
    with app.app_context():
        assert db.session.get(Participant, person.id).photo is not None
