// Badge photos from the device's camera: a live preview with a face frame at the badge's photo
// ratio (3:4, as badges/render.py lays out the photo), capture, retake, then the picture is put
// into the form's own file input, so it is sent and checked exactly like an uploaded file
// (kiosk/services/photos.py: re-encoded, no metadata). Upload stays; without a camera, or when it
// is refused, a sentence says so and the file input still works. Every text comes from the page
// (data attributes rendered by Jinja).

const RATIO = 3 / 4; // width / height of the badge photo
const OUT_WIDTH = 600; // the stored photo's size (services/photos.py STORED_SIZE)
const OUT_HEIGHT = 800;
const FRAME_HEIGHT = 0.9; // the frame's share of the picture's height

function faceBox(width, height) {
  // The frame drawn over the preview, in the video's own pixels.
  let h = height * FRAME_HEIGHT;
  let w = h * RATIO;
  if (w > width) {
    w = width;
    h = w / RATIO;
  }
  return { x: (width - w) / 2, y: (height - h) / 2, w, h };
}

function setUp(root) {
  const input = document.getElementById(root.dataset.cameraFor);
  if (!input) return;
  const start = root.querySelector(".camera-start");
  const message = root.querySelector(".camera-message");
  const dialog = root.querySelector("dialog");
  const video = dialog.querySelector("video");
  const still = dialog.querySelector("canvas");
  const frame = dialog.querySelector(".camera-frame");
  const capture = dialog.querySelector(".camera-capture");
  const retake = dialog.querySelector(".camera-retake");
  const use = dialog.querySelector(".camera-use");
  const cancel = dialog.querySelector(".camera-cancel");
  const preview = root.querySelector(".camera-preview");
  let stream = null;
  let blob = null;

  const say = (text) => {
    message.textContent = text || "";
    message.hidden = !text;
  };
  const stop = () => {
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    video.srcObject = null;
  };
  const live = () => {
    blob = null;
    video.hidden = false;
    frame.hidden = false;
    still.hidden = true;
    capture.hidden = false;
    retake.hidden = true;
    use.hidden = true;
    capture.focus();
  };
  const placeFrame = () => {
    // The frame over the preview, as a share of the shown picture (the video keeps its aspect).
    const box = faceBox(video.videoWidth || 4, video.videoHeight || 3);
    frame.style.width = `${(100 * box.w) / (video.videoWidth || 4)}%`;
    frame.style.height = `${(100 * box.h) / (video.videoHeight || 3)}%`;
  };

  root.hidden = false;
  if (!navigator.mediaDevices?.getUserMedia) {
    start.hidden = true;
    say(root.dataset.noCamera);
    return;
  }

  start.addEventListener("click", async () => {
    say("");
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 960 } },
        audio: false,
      });
    } catch (error) {
      stop();
      say(error && error.name === "NotAllowedError" ? root.dataset.refused : root.dataset.noCamera);
      return;
    }
    video.srcObject = stream;
    video.addEventListener("loadedmetadata", placeFrame, { once: true });
    await video.play().catch(() => {});
    placeFrame();
    live();
    dialog.showModal();
    capture.focus();
    root.dataset.state = "live";
  });

  capture.addEventListener("click", () => {
    const width = video.videoWidth;
    const height = video.videoHeight;
    if (!width || !height) return;
    const box = faceBox(width, height);
    still.width = OUT_WIDTH;
    still.height = OUT_HEIGHT;
    still.getContext("2d").drawImage(video, box.x, box.y, box.w, box.h, 0, 0, OUT_WIDTH, OUT_HEIGHT);
    still.toBlob(
      (made) => {
        blob = made;
        video.hidden = true;
        frame.hidden = true;
        still.hidden = false;
        capture.hidden = true;
        retake.hidden = false;
        use.hidden = false;
        use.focus();
        root.dataset.state = "captured";
      },
      "image/jpeg",
      0.92,
    );
  });

  retake.addEventListener("click", () => {
    live();
    root.dataset.state = "live";
  });

  use.addEventListener("click", () => {
    if (!blob) return;
    const file = new File([blob], root.dataset.fileName || "camera-photo.jpg", { type: "image/jpeg" });
    const files = new DataTransfer();
    files.items.add(file);
    input.files = files.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    if (preview) {
      if (preview.src) URL.revokeObjectURL(preview.src);
      preview.src = URL.createObjectURL(blob);
      preview.hidden = false;
    }
    stop();
    dialog.close();
    say(root.dataset.taken);
    root.dataset.state = "taken";
  });

  cancel.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    stop();
    if (root.dataset.state !== "taken") root.dataset.state = "closed";
  });
  input.addEventListener("change", () => {
    // A file chosen by hand replaces the camera's picture.
    if (preview && input.files.length && input.files[0].name !== (root.dataset.fileName || "camera-photo.jpg")) {
      preview.hidden = true;
    }
  });
}

for (const root of document.querySelectorAll("[data-camera-for]")) setUp(root);
