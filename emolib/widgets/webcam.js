// emolib live webcam widget (anywidget ESM, no build step).
//
// The browser's camera (getUserMedia) is shown in a <video>; frames are grabbed at the model's width (320)
// into a canvas and sent to the kernel as binary buffers (JPEG or grey bytes), with up to max_in_flight
// frames on the way at once (two hide the round-trip latency). The kernel answers each frame with JSON
// results, drawn on a canvas over the video as they arrive. Without a browser camera the
// kernel may stream its own camera (cv2.VideoCapture) as JPEG frames with results into the same canvas.
// Each camera frame is sent at most once (requestVideoFrameCallback), so the rate is at most the camera's.

const FONT = "600 13px system-ui, -apple-system, 'Segoe UI', sans-serif";
const SMALL_FONT = "11px system-ui, -apple-system, 'Segoe UI', sans-serif";

function make(tag, className, parent, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

function loadEmojis(urls) {
  const images = {};
  for (const [name, url] of Object.entries(urls || {})) {
    const image = new Image();
    image.src = url;
    images[name] = image;
  }
  return images;
}

function render({ model, el }) {
  const view = Math.random().toString(36).slice(2, 10);
  const root = make("div", "emolib-webcam", el);
  root.dataset.state = "idle";
  root.dataset.fps = "0";
  root.dataset.faces = "0";
  root.dataset.emoji = "";

  const bar = make("div", "emolib-webcam-bar", root);
  const button = make("button", "emolib-webcam-button", bar, "▶ Start");
  const select = make("select", "emolib-webcam-camera", bar);
  select.title = "camera";
  make("option", "", select, "default camera").value = "";
  const fpsLabel = make("span", "emolib-webcam-fps", bar, "");
  const statusLabel = make("span", "emolib-webcam-status", bar, "");
  const stage = make("div", "emolib-webcam-stage", root);
  const video = make("video", "emolib-webcam-video", stage);
  video.muted = true;
  video.playsInline = true;
  video.autoplay = true;
  const overlay = make("canvas", "emolib-webcam-overlay", stage);
  const message = make("div", "emolib-webcam-message", root);
  const grab = document.createElement("canvas");
  const grabContext = grab.getContext("2d", { willReadFrequently: model.get("frame_format") === "gray" });
  const context = overlay.getContext("2d");

  const emojis = loadEmojis(model.get("emojis"));
  const colors = model.get("colors") || {};
  const classes = model.get("classes") || [];

  let stream = null;
  let mode = null; // "browser" | "kernel" | null
  let inFlight = 0;
  let nextId = 0;
  const sent = new Map(); // frame id -> send time
  let latest = { faces: [], width: 1, height: 1 };
  let kernelImage = null;
  const arrivals = [];
  let analysisMs = 0;
  let roundTrip = 0;
  let timer = null;
  let destroyed = false;
  // Pacing: with requestVideoFrameCallback, send each camera frame at most once (no duplicates)
  const pacing = model.get("pace") && "requestVideoFrameCallback" in HTMLVideoElement.prototype;
  let presented = 0;
  let lastSent = -1;
  let startedAt = 0;
  const cameraFrames = [];
  let drawnEmojis = [];

  function showMessage(text, kind = "error") {
    message.textContent = text || "";
    message.dataset.kind = kind;
    message.style.display = text ? "block" : "none";
  }
  showMessage("");

  function setState(state) {
    root.dataset.state = state;
    const active = state === "running" || state === "starting";
    button.textContent = active ? "■ Stop" : "▶ Start";
    stage.style.display = active ? "" : "none";
  }
  setState("idle");

  async function listCameras() {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput");
    const current = model.get("camera");
    select.replaceChildren();
    make("option", "", select, "default camera").value = "";
    devices.forEach((device, index) => {
      const option = make("option", "", select, device.label || `camera ${index + 1}`);
      option.value = device.deviceId;
    });
    select.value = devices.some((d) => d.deviceId === current) ? current : "";
    model.set("cameras", devices.map((d, i) => ({ id: d.deviceId, label: d.label || `camera ${i + 1}` })));
    model.save_changes();
  }

  function failed() {
    setState("error");
    model.set("running", false);
    model.save_changes();
  }

  function cameraFailed(name, text) {
    stopStream();
    failed();
    showMessage(`Camera unavailable (${name}: ${text}).`);
    model.send({ type: "camera_error", view, name, message: text, secure: window.isSecureContext,
                 origin: window.location.origin });
  }

  async function start() {
    showMessage("");
    setState("starting");
    if (model.get("source") === "kernel") {
      model.send({ type: "start_kernel", view });
      return;
    }
    if (!navigator.mediaDevices?.getUserMedia) {
      const why = window.isSecureContext ? "this browser has no camera API" : "the page is not https or localhost";
      cameraFailed(window.isSecureContext ? "NotSupportedError" : "InsecureContext", why);
      return;
    }
    const camera = model.get("camera");
    const constraints = { width: { ideal: 640 }, height: { ideal: 480 } };
    if (camera) constraints.deviceId = { exact: camera };
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: constraints, audio: false });
    } catch (error) {
      cameraFailed(error.name || "Error", error.message || String(error));
      return;
    }
    if (destroyed) return stopStream();
    video.srcObject = stream;
    try {
      await video.play();
    } catch (error) {
      // autoplay of a muted stream is allowed; a failure here still leaves frames to grab
    }
    mode = "browser";
    startedAt = performance.now();
    if (pacing) video.requestVideoFrameCallback(onVideoFrame);
    setState("running");
    model.send({ type: "started", view, source: "browser" });
    listCameras();
    pump();
  }

  function stopStream() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
  }

  function stop(notify = true) {
    const wasKernel = mode === "kernel";
    stopStream();
    mode = null;
    inFlight = 0;
    sent.clear();
    latest = { faces: [], width: 1, height: 1 };
    kernelImage = null;
    arrivals.length = 0;
    cameraFrames.length = 0;
    lastSent = -1;
    setState("idle");
    draw();
    if (notify && wasKernel) model.send({ type: "stop_kernel", view });
  }

  // Grab one frame and send it, if fewer than max_in_flight frames are on their way.
  async function sendFrame() {
    if (mode !== "browser" || inFlight >= model.get("max_in_flight")) return;
    if (video.readyState < 2 || !video.videoWidth) {
      setTimeout(pump, 20);
      return;
    }
    if (pacing && presented === lastSent) return; // this camera frame is already on its way: wait for the next
    lastSent = presented;
    inFlight += 1;
    const width = model.get("width");
    const height = Math.round((width * video.videoHeight) / video.videoWidth / 2) * 2;
    if (grab.width !== width || grab.height !== height) {
      grab.width = width;
      grab.height = height;
    }
    grabContext.drawImage(video, 0, 0, width, height);
    const format = model.get("frame_format");
    let buffer;
    if (format === "gray") {
      const rgba = grabContext.getImageData(0, 0, width, height).data;
      const grey = new Uint8Array(width * height);
      for (let i = 0, j = 0; i < grey.length; i += 1, j += 4) {
        grey[i] = (rgba[j] * 77 + rgba[j + 1] * 150 + rgba[j + 2] * 29) >> 8;
      }
      buffer = grey.buffer;
    } else {
      const blob = await new Promise((resolve) => grab.toBlob(resolve, "image/jpeg", model.get("jpeg_quality")));
      buffer = await blob.arrayBuffer();
    }
    if (mode !== "browser") return;
    const id = nextId++;
    sent.set(id, performance.now());
    model.send({ type: "frame", view, id, width, height, format }, undefined, [buffer]);
  }

  function onVideoFrame(now, metadata) {
    if (mode !== "browser") return;
    presented = metadata.presentedFrames;
    cameraFrames.push(now);
    while (cameraFrames.length && cameraFrames[0] < now - 2000) cameraFrames.shift();
    video.requestVideoFrameCallback(onVideoFrame);
    pump();
  }

  function pump() {
    while (mode === "browser" && inFlight < model.get("max_in_flight")) {
      const before = inFlight;
      sendFrame();
      if (inFlight === before) break; // video not ready yet: sendFrame rescheduled itself
    }
  }

  function arrived() {
    const now = performance.now();
    arrivals.push(now);
    while (arrivals.length && arrivals[0] < now - 2000) arrivals.shift();
  }

  function onMessage(msg, buffers) {
    if (msg.view && msg.view !== view) return;
    if (msg.type === "results" && mode === "browser") {
      const sentAt = sent.get(msg.id);
      if (sentAt !== undefined) {
        sent.delete(msg.id);
        inFlight = Math.max(0, inFlight - 1);
        roundTrip = roundTrip ? 0.9 * roundTrip + 0.1 * (performance.now() - sentAt) : performance.now() - sentAt;
      }
      latest = msg;
      analysisMs = msg.ms;
      arrived();
      pump();
      draw();
    } else if (msg.type === "kernel_frame") {
      if (mode !== "kernel") {
        mode = "kernel";
        startedAt = performance.now();
        setState("running");
      }
      const blob = new Blob([buffers[0]], { type: "image/jpeg" });
      createImageBitmap(blob).then((image) => {
        if (kernelImage) kernelImage.close();
        kernelImage = image;
        latest = msg;
        analysisMs = msg.ms;
        arrived();
        draw();
        model.send({ type: "ack", view, id: msg.id });
      });
    } else if (msg.type === "status") {
      statusLabel.textContent = msg.text || "";
      if (msg.kind) showMessage(msg.text, msg.kind);
    } else if (msg.type === "error") {
      stop(false);
      failed();
      showMessage(msg.message);
    }
  }
  model.on("msg:custom", onMessage);

  // One face: a box in the emotion's colour and, beside it, a panel with the emoji, the emotion, the face id
  // and (show_bars) the seven probabilities.
  function drawFace(face, scale, offsetX, mirrorWidth, width, height) {
    const w = face.w * scale;
    const h = face.h * scale;
    const x = mirrorWidth ? mirrorWidth - face.x * scale - w + offsetX : face.x * scale + offsetX;
    const y = face.y * scale;
    const color = colors[face.emotion] || "#ffffff";
    context.lineWidth = Math.max(2, w / 80);
    context.strokeStyle = color;
    context.strokeRect(x, y, w, h);
    const probabilities = face.probabilities || {};
    const bars = model.get("show_bars");
    const rowHeight = 13;
    const header = 30;
    const panelWidth = 150;
    const panelHeight = header + (bars ? classes.length * rowHeight + 4 : 0);
    const px = x + w + 6 + panelWidth <= width ? x + w + 6 : Math.max(0, x - panelWidth - 6);
    const py = Math.min(Math.max(0, y), Math.max(0, height - panelHeight));
    context.fillStyle = "rgba(20, 20, 20, 0.75)";
    context.fillRect(px, py, panelWidth, panelHeight);
    context.fillStyle = color;
    context.fillRect(px, py, 3, panelHeight);
    const emoji = emojis[face.emotion];
    let textX = px + 8;
    if (emoji?.complete && emoji.naturalWidth) {
      context.drawImage(emoji, px + 6, py + 3, 24, 24);
      drawnEmojis.push(face.emotion);
      textX = px + 35;
    }
    context.font = FONT;
    context.fillStyle = "#fff";
    const confidence = Math.round((probabilities[face.emotion] ?? 0) * 100);
    context.fillText(`${face.emotion} ${confidence}%`, textX, py + 19);
    if (face.face_id != null) {
      context.font = SMALL_FONT;
      context.fillStyle = "#bbb";
      context.textAlign = "right";
      context.fillText(`#${face.face_id}`, px + panelWidth - 6, py + 19);
      context.textAlign = "left";
    }
    if (!bars) return;
    context.font = SMALL_FONT;
    classes.forEach((name, row) => {
      const value = probabilities[name] ?? 0;
      const top = py + header + row * rowHeight;
      context.fillStyle = name === face.emotion ? "#fff" : "#bbb";
      context.fillText(name, px + 8, top + 10);
      context.fillStyle = "#444";
      context.fillRect(px + 62, top + 3, 52, 8);
      context.fillStyle = colors[name] || "#ccc";
      context.fillRect(px + 62, top + 3, 52 * value, 8);
      context.fillStyle = name === face.emotion ? "#fff" : "#bbb";
      context.textAlign = "right";
      context.fillText(`${Math.round(value * 100)}%`, px + panelWidth - 6, top + 10);
      context.textAlign = "left";
    });
  }

  // Redraw the overlay: called when new results (or a kernel frame) arrive, not on every animation frame.
  function draw() {
    if (destroyed) return;
    const ratio = window.devicePixelRatio || 1;
    const width = stage.clientWidth;
    const height = stage.clientHeight;
    if (!width || !height) return;
    if (overlay.width !== Math.round(width * ratio) || overlay.height !== Math.round(height * ratio)) {
      overlay.width = Math.round(width * ratio);
      overlay.height = Math.round(height * ratio);
    }
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    const mirror = model.get("mirror") && mode === "browser";
    video.style.transform = mirror ? "scaleX(-1)" : "";
    drawnEmojis = [];
    if (!mode) return;
    const sourceWidth = mode === "kernel" ? kernelImage?.width : video.videoWidth;
    const sourceHeight = mode === "kernel" ? kernelImage?.height : video.videoHeight;
    if (!sourceWidth || !sourceHeight) return;
    // the <video> letterboxes with object-fit: contain; match its picture rectangle
    const fit = Math.min(width / sourceWidth, height / sourceHeight);
    const shownWidth = sourceWidth * fit;
    const offsetX = (width - shownWidth) / 2;
    if (mode === "kernel" && kernelImage) {
      context.drawImage(kernelImage, offsetX, 0, shownWidth, sourceHeight * fit);
    }
    const scale = shownWidth / (latest.width || sourceWidth);
    for (const face of latest.faces || []) drawFace(face, scale, offsetX, mirror ? shownWidth : 0, width, height);
    root.dataset.emoji = drawnEmojis.join(" ");
  }

  function report() {
    const now = performance.now();
    // drop frames the kernel never answered (kernel busy or restarted) so capture resumes
    for (const [id, time] of sent) {
      if (now - time > 5000) {
        sent.delete(id);
        inFlight = Math.max(0, inFlight - 1);
      }
    }
    if (mode === "browser") pump();
    // frames per second over the last two seconds (or since the start, if shorter)
    const span = Math.min(2000, now - startedAt);
    const rate = (times) => (span > 250 ? (times.filter((t) => t > now - span).length * 1000) / span : 0);
    const fps = mode ? rate(arrivals) : 0;
    const camera = mode === "browser" && pacing ? ` of ${rate(cameraFrames).toFixed(0)}` : "";
    const faces = (latest.faces || []).length;
    fpsLabel.textContent = mode
      ? `${fps.toFixed(1)}${camera} fps · round trip ${roundTrip.toFixed(0)} ms · kernel ${analysisMs.toFixed(0)} ms`
      : "";
    root.dataset.fps = fps.toFixed(1);
    root.dataset.roundTrip = roundTrip.toFixed(1);
    if (mode && !(latest.faces || []).length) draw(); // clear boxes of faces that left
    root.dataset.faces = String(faces);
    if (Math.abs(model.get("fps") - fps) > 0.05 || model.get("faces") !== faces) {
      model.set("fps", Math.round(fps * 10) / 10);
      model.set("faces", faces);
      model.save_changes();
    }
  }

  button.addEventListener("click", () => {
    const active = root.dataset.state === "running" || root.dataset.state === "starting";
    model.set("running", !active);
    model.save_changes();
  });
  select.addEventListener("change", () => {
    model.set("camera", select.value);
    model.save_changes();
  });

  function onRunning() {
    const wanted = model.get("running");
    const active = root.dataset.state === "running" || root.dataset.state === "starting";
    if (wanted && !active) start();
    if (!wanted && active) stop();
  }
  function onCamera() {
    if (mode === "browser") {
      stop(false);
      start();
    }
  }
  model.on("change:running", onRunning);
  model.on("change:camera", onCamera);
  const resizer = new ResizeObserver(() => draw());
  resizer.observe(stage);
  timer = setInterval(report, 500);
  // A new view (a page reload, the notebook opened again) never turns a camera on by itself: it waits for a click.
  if (model.get("running")) {
    model.set("running", false);
    model.save_changes();
    showMessage("Press Start to turn the camera on.", "info");
  }

  return () => {
    destroyed = true;
    resizer.disconnect();
    clearInterval(timer);
    model.off("msg:custom", onMessage);
    model.off("change:running", onRunning);
    model.off("change:camera", onCamera);
    stop();
  };
}

export default { render };
