// emolib live webcam widget (anywidget ESM, no build step).
//
// The browser's camera (getUserMedia) is shown in a <video>; frames are grabbed at the model's width (320)
// into a canvas and sent to the kernel as binary buffers (JPEG or grey bytes), with up to max_in_flight
// frames on the way at once (two hide the round-trip latency). The kernel answers each frame with JSON
// results, drawn on a canvas over the video as they arrive. Without a browser camera the
// kernel may stream its own camera (cv2.VideoCapture) as JPEG frames with results into the same canvas.
// Each camera frame is sent at most once (requestVideoFrameCallback), so the rate is at most the camera's.


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
    model.send({ type: "frame", view, id, width, height, format, display: shownWidth() }, undefined, [buffer]);
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

  // Width in CSS pixels at which the picture is shown: the kernel lays panels out for this size, so text is
  // as large on screen as the layout planned, whatever the size of the frames sent.
  function shownWidth() {
    const sourceWidth = mode === "kernel" ? kernelImage?.width : video.videoWidth;
    const sourceHeight = mode === "kernel" ? kernelImage?.height : video.videoHeight;
    if (!sourceWidth || !sourceHeight || !stage.clientWidth) return 0;
    return Math.round(sourceWidth * Math.min(stage.clientWidth / sourceWidth, stage.clientHeight / sourceHeight));
  }

  // One face: a box in the emotion's colour and its panel where the kernel's layout put it (face.panel:
  // x, y, w, h in frame pixels, detail "full" | "compact" | "tag" | "badge", row, leader). The browser only
  // paints what it is given, scaled to its canvas (and mirrored with the video), so kernel and browser agree.
  function drawFace(face, scale, offsetX, mirrorWidth, painted) {
    const place = (x, w) => (mirrorWidth ? mirrorWidth - (x + w) * scale + offsetX : x * scale + offsetX);
    const color = colors[face.emotion] || "#ffffff";
    const w = face.w * scale;
    const h = face.h * scale;
    const x = place(face.x, face.w);
    const y = face.y * scale;
    context.lineWidth = Math.max(2, w / 80);
    context.strokeStyle = color;
    context.strokeRect(x, y, w, h);
    const panel = face.panel;
    if (!panel) return;
    const px = place(panel.x, panel.w);
    const py = panel.y * scale;
    const pw = panel.w * scale;
    const ph = panel.h * scale;
    painted.push({ x: px, y: py, w: pw, h: ph, detail: panel.detail });
    const emoji = emojis[face.emotion];
    const emojiReady = emoji?.complete && emoji.naturalWidth;
    if (panel.leader) {
      const [fx, fy, tx, ty] = panel.leader;
      context.lineWidth = 1;
      context.beginPath();
      context.moveTo(mirrorWidth ? place(fx, 0) : fx * scale + offsetX, fy * scale);
      context.lineTo(mirrorWidth ? place(tx, 0) : tx * scale + offsetX, ty * scale);
      context.stroke();
    }
    if (panel.detail === "badge") {
      context.fillStyle = color;
      context.fillRect(px, py, pw, ph);
      if (emojiReady && pw >= 6) {
        context.drawImage(emoji, px + 1, py + 1, pw - 2, ph - 2);
        drawnEmojis.push(face.emotion);
      }
      return;
    }
    const row = panel.row * scale;
    const pad = Math.max(3, Math.floor(row / 4));
    const probabilities = face.probabilities || {};
    const confidence = Math.round((probabilities[face.emotion] ?? 0) * 100);
    context.fillStyle = "rgba(20, 20, 20, 0.75)";
    context.fillRect(px, py, pw, ph);
    context.lineWidth = Math.max(1, row / 16);
    context.strokeRect(px + 0.5, py + 0.5, pw - 1, ph - 1);
    const bars = panel.detail === "full" ? classes.slice()
      : panel.detail === "compact" ? classes.slice().sort((a, b) => (probabilities[b] ?? 0) - (probabilities[a] ?? 0)).slice(0, 3)
      : [];
    const header = bars.length ? ph - bars.length * row - pad : ph;
    const fit = (text, font, size, room) => {
      context.font = `${font} ${size}px system-ui, -apple-system, 'Segoe UI', sans-serif`;
      const width = context.measureText(text).width;
      if (width > room && width > 0) {
        context.font = `${font} ${Math.max(6, (size * room) / width)}px system-ui, -apple-system, 'Segoe UI', sans-serif`;
      }
    };
    const emojiSide = emojiReady ? Math.min(header - 2 * pad, panel.detail === "tag" ? ph - 2 * pad : header) : 0;
    if (emojiSide > 4) {
      context.drawImage(emoji, px + pad, py + (header - emojiSide) / 2, emojiSide, emojiSide);
      drawnEmojis.push(face.emotion);
    }
    const textX = px + pad + (emojiSide > 4 ? emojiSide + pad : 0);
    const room = px + pw - pad - textX;
    context.textBaseline = "middle";
    context.fillStyle = color;
    if (panel.detail === "tag") {
      fit(face.emotion, "600", row * 0.8, room);
      context.fillText(face.emotion, textX, py + ph / 2);
    } else {
      fit(face.emotion, "600", row * 0.95, room);
      context.fillText(face.emotion, textX, py + header * 0.36);
      context.fillStyle = "#fff";
      const info = face.face_id != null ? `${confidence}%  #${face.face_id}` : `${confidence}%`;
      fit(info, "400", row * 0.7, room);
      context.fillText(info, textX, py + header * 0.72);
    }
    bars.forEach((name, index) => {
      const value = probabilities[name] ?? 0;
      const middle = py + header + index * row + row / 2;
      const labelWidth = pw * 0.34;
      const percentWidth = pw * 0.2;
      const barX = px + pad + labelWidth;
      const barWidth = Math.max(4, pw - 2 * pad - labelWidth - percentWidth);
      context.fillStyle = name === face.emotion ? "#fff" : "#bbb";
      fit(name, "400", row * 0.62, labelWidth - pad);
      context.textAlign = "left";
      context.fillText(name, px + pad, middle);
      context.fillStyle = "#444";
      context.fillRect(barX, middle - row * 0.25, barWidth, row * 0.5);
      context.fillStyle = colors[name] || "#ccc";
      context.fillRect(barX, middle - row * 0.25, barWidth * value, row * 0.5);
      context.fillStyle = name === face.emotion ? "#fff" : "#bbb";
      context.textAlign = "right";
      fit(`${Math.round(value * 100)}%`, "400", row * 0.62, percentWidth - pad);
      context.fillText(`${Math.round(value * 100)}%`, px + pw - pad, middle);
      context.textAlign = "left";
    });
    context.textBaseline = "alphabetic";
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
    const painted = [];
    for (const face of latest.faces || []) drawFace(face, scale, offsetX, mirror ? shownWidth : 0, painted);
    root.dataset.emoji = drawnEmojis.join(" ");
    // what was painted (canvas pixels) and the kernel's layout it came from (frame pixels): tests compare them
    root.dataset.panels = JSON.stringify(painted);
    root.dataset.layout = JSON.stringify({ width: latest.width, scale, offsetX, mirrored: Boolean(mirror),
      shownWidth, panels: (latest.faces || []).map((face) => face.panel || null),
      faces: (latest.faces || []).map((face) => ({ x: face.x, y: face.y, w: face.w, h: face.h })) });
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
