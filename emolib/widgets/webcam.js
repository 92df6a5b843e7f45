// emolib live webcam widget (anywidget ESM, no build step).
//
// The browser's camera (getUserMedia) is shown in a <video>; each new camera frame (requestVideoFrameCallback)
// is scaled to the model's width (320) and encoded off the main thread (createImageBitmap -> a worker's
// OffscreenCanvas -> JPEG or grey bytes), then sent to the kernel, with up to max_in_flight frames on the way
// at once (two hide the round trip). The kernel answers each frame with JSON results, drawn on a canvas over
// the video as they arrive. Without a browser camera the kernel may stream its own camera (cv2.VideoCapture)
// as JPEG frames with results into the same canvas, when the user asks for it (source="kernel").
//
// Pieces, in order: transport (binary buffers, or base64 where the front end drops them: Google Colab),
// encoder (worker or main thread), timings (capture -> sent -> received -> drawn, per frame), the view
// (controls, camera, lifecycle: a kernel restart or a closed comm stops everything and says so), painting.

const RESTARTED = "The kernel restarted: run the cell again.";
const PROBE = new Uint8Array([101, 109, 111, 108]); // "emol": a binary buffer the kernel echoes at start
const NO_ANSWER_MS = 5000; // a frame unanswered this long is dropped (kernel busy or gone)
const TIMINGS_KEPT = 600; // frames of timings kept in the page (root.emolibTimings) and reported to the kernel
const NAGLE_NETWORK_MS = 60; // median kernel -> page time beyond the kernel's own that shows Nagle's delay (measured on the loaded 2-core machine: stock 68-77 ms, NoDelay 20-52 ms)

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

// -- transport: binary comm buffers, or base64 in the message where the front end drops buffers --

function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  if (typeof bytes.toBase64 === "function") return bytes.toBase64();
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(text) {
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function bufferLength(buffer) {
  return buffer ? buffer.byteLength ?? buffer.buffer?.byteLength ?? 0 : 0;
}

// -- encoder: scale a video frame to width x height and encode it (JPEG or grey bytes), in a worker --

const WORKER_SOURCE = `
let canvas = null;
let context = null;
self.onmessage = async ({ data }) => {
  const { id, bitmap, width, height, format, quality } = data;
  try {
    if (!canvas || canvas.width !== width || canvas.height !== height) {
      canvas = new OffscreenCanvas(width, height);
      context = canvas.getContext("2d", { willReadFrequently: format === "gray" });
    }
    context.drawImage(bitmap, 0, 0, width, height);
    bitmap.close();
    let buffer;
    if (format === "gray") {
      const rgba = context.getImageData(0, 0, width, height).data;
      const grey = new Uint8Array(width * height);
      for (let i = 0, j = 0; i < grey.length; i += 1, j += 4) grey[i] = (rgba[j] * 77 + rgba[j + 1] * 150 + rgba[j + 2] * 29) >> 8;
      buffer = grey.buffer;
    } else {
      buffer = await (await canvas.convertToBlob({ type: "image/jpeg", quality })).arrayBuffer();
    }
    self.postMessage({ id, buffer }, [buffer]);
  } catch (error) {
    self.postMessage({ id, error: String(error) });
  }
};`;

function greyBytes(rgba, width, height) {
  const grey = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < grey.length; i += 1, j += 4) grey[i] = (rgba[j] * 77 + rgba[j + 1] * 150 + rgba[j + 2] * 29) >> 8;
  return grey.buffer;
}

// An encoder: encode(video, width, height, format, quality) -> Promise<ArrayBuffer>; kind: "worker" | "main".
// "auto" is the main thread: on a busy 2-core machine the worker (createImageBitmap + OffscreenCanvas) was not
// faster (JPEG encode 15-20 ms either way) and its thread competes with the kernel's.
function makeEncoder(preferred) {
  let worker = null;
  if (preferred === "worker" && typeof Worker !== "undefined" && typeof OffscreenCanvas !== "undefined"
      && typeof createImageBitmap !== "undefined") {
    try {
      const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
      worker = new Worker(url);
      URL.revokeObjectURL(url);
    } catch (error) {
      worker = null; // a page policy forbids blob workers: encode on the main thread
    }
  }
  if (worker) {
    const waiting = new Map();
    let nextJob = 0;
    worker.onmessage = ({ data }) => {
      const job = waiting.get(data.id);
      waiting.delete(data.id);
      if (job) data.error ? job.reject(new Error(data.error)) : job.resolve(data.buffer);
    };
    return {
      kind: "worker",
      async encode(video, width, height, format, quality) {
        const bitmap = await createImageBitmap(video, { resizeWidth: width, resizeHeight: height, resizeQuality: "medium" });
        const id = nextJob++;
        return new Promise((resolve, reject) => {
          waiting.set(id, { resolve, reject });
          worker.postMessage({ id, bitmap, width, height, format, quality }, [bitmap]);
        });
      },
      close() {
        worker.terminate();
      },
    };
  }
  const canvas = document.createElement("canvas");
  let context = null;
  return {
    kind: "main",
    async encode(video, width, height, format, quality) {
      if (!context || canvas.width !== width || canvas.height !== height) {
        canvas.width = width;
        canvas.height = height;
        context = canvas.getContext("2d", { willReadFrequently: format === "gray" });
      }
      context.drawImage(video, 0, 0, width, height);
      if (format === "gray") return greyBytes(context.getImageData(0, 0, width, height).data, width, height);
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
      return blob.arrayBuffer();
    },
    close() {},
  };
}

// -- timings: per frame, capture -> grabbed -> encoded -> sent -> received -> drawn (performance.now() ms) --

function median(values) {
  return quantile(values, 0.5);
}

function quantile(values, q) {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

// One frame's record as the kernel stores it (milliseconds, rounded to 0.1).
function timingRow(t) {
  const round = (value) => Math.round(value * 10) / 10;
  return {
    frame: t.id,
    wait_ms: round(t.grabbed - t.capture),
    encode_ms: round(t.encoded - t.grabbed),
    send_ms: round(t.sent - t.encoded),
    network_ms: round(t.received - t.sent - t.kernel),
    kernel_ms: round(t.kernel),
    draw_ms: round(t.drawn - t.received),
    capture_to_drawn_ms: round(t.drawn - t.capture),
    bytes: t.bytes,
  };
}

function render({ model, el }) {
  const view = Math.random().toString(36).slice(2, 10);
  const root = make("div", "emolib-webcam", el);
  root.dataset.state = "idle";
  root.dataset.fps = "0";
  root.dataset.faces = "0";
  root.dataset.emoji = "";
  root.dataset.latency = "0";
  root.dataset.view = view;
  const timings = []; // finished frames' timings, newest last (also root.emolibTimings, for tests and benchmarks)
  root.emolibTimings = timings;

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
  const context = overlay.getContext("2d");

  const emojis = loadEmojis(model.get("emojis"));
  const colors = model.get("colors") || {};
  const classes = model.get("classes") || [];

  let stream = null;
  let mode = null; // "browser" | "kernel" | null
  let inFlight = 0;
  let nextId = 0;
  const sent = new Map(); // frame id -> its timings so far
  let latest = { faces: [], width: 1, height: 1 };
  let kernelImage = null;
  const arrivals = [];
  let analysisMs = 0;
  let timer = null;
  let destroyed = false;
  let kernelGone = false; // the kernel restarted or the comm closed: nothing more is sent
  let claim = null; // {click, timer} while this view waits for the kernel to let it start
  let clicked = false; // the next start comes from a click in this view
  let transport = "binary"; // "binary" | "base64", chosen at start from the kernel's echo of PROBE
  let encoder = null;
  let unreported = []; // timings not yet sent to the kernel
  let nagleShown = false;
  let silentSince = 0; // when the oldest unanswered frame was sent (0: none waiting)
  // Pacing: with requestVideoFrameCallback, send each camera frame at most once (no duplicates)
  const pacing = model.get("pace") && "requestVideoFrameCallback" in HTMLVideoElement.prototype;
  let presented = 0;
  let presentedAt = 0; // capture time of the latest camera frame (rVFC captureTime, else its callback time)
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

  // Every message to the kernel goes through here: after a kernel restart the comm is closed and sending
  // throws, which ends the session in this view (once) instead of logging page errors.
  function send(content, buffers) {
    if (kernelGone || destroyed) return false;
    try {
      model.send({ view, ...content }, undefined, buffers);
      return true;
    } catch (error) {
      onKernelGone();
      return false;
    }
  }

  function setTrait(name, value) {
    if (kernelGone) return;
    try {
      model.set(name, value);
      model.save_changes();
    } catch (error) {
      onKernelGone();
    }
  }

  function onKernelGone() {
    if (kernelGone || destroyed) return;
    kernelGone = true;
    stop(false);
    showMessage(RESTARTED, "info");
  }

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
    setTrait("cameras", devices.map((d, i) => ({ id: d.deviceId, label: d.label || `camera ${i + 1}` })));
  }

  function failed() {
    setState("error");
    setTrait("running", false);
  }

  function cameraFailed(name, text) {
    stopStream();
    failed();
    showMessage(`Camera unavailable (${name}: ${text}).`);
    send({ type: "camera_error", name, message: text, secure: window.isSecureContext, origin: window.location.origin });
  }

  // Start: ask the kernel first (one view of a widget streams at a time; the kernel's answer also tells
  // whether binary buffers travel both ways), then open the camera.
  function start() {
    if (kernelGone) {
      showMessage(RESTARTED, "info");
      return;
    }
    showMessage("");
    setState("starting");
    const click = clicked;
    clicked = false;
    clearTimeout(claim?.timer);
    claim = {
      click,
      timer: setTimeout(() => {
        if (!claim) return;
        claim = null;
        failed();
        showMessage("The kernel does not answer: it may be busy, or it restarted (then run the cell again).");
      }, 10000),
    };
    send({ type: "claim", click }, [PROBE.buffer.slice(0)]);
  }

  // "auto": raw grey bytes when Jupyter is served from this machine (no encoding: the fastest here, and
  // 77 kB a frame costs nothing on a loopback), else JPEG (about 12 kB a frame, for a server across a network).
  function frameFormat() {
    const wanted = model.get("frame_format");
    if (wanted !== "auto") return wanted;
    return ["localhost", "127.0.0.1", "[::1]"].includes(window.location.hostname) ? "gray" : "jpeg";
  }

  function chooseTransport(msg, buffers) {
    const wanted = model.get("transport");
    if (wanted === "binary" || wanted === "base64") return wanted;
    const back = buffers?.length ? bufferLength(buffers[0]) : 0;
    return msg.buffers >= 1 && back === PROBE.length ? "binary" : "base64";
  }

  async function begin() {
    root.dataset.transport = transport;
    if (model.get("source") === "kernel") {
      send({ type: "start_kernel", transport });
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
    let opened;
    try {
      opened = await navigator.mediaDevices.getUserMedia({ video: constraints, audio: false });
    } catch (error) {
      cameraFailed(error.name || "Error", error.message || String(error));
      return;
    }
    if (destroyed || kernelGone || root.dataset.state !== "starting") {
      opened.getTracks().forEach((track) => track.stop()); // stopped (or restarted) while the browser asked
      return;
    }
    stream = opened;
    video.srcObject = stream;
    try {
      await video.play();
    } catch (error) {
      // autoplay of a muted stream is allowed; a failure here still leaves frames to grab
    }
    if (!encoder) encoder = makeEncoder(model.get("encoder"));
    root.dataset.encoder = encoder.kind;
    mode = "browser";
    startedAt = performance.now();
    if (pacing) video.requestVideoFrameCallback(onVideoFrame);
    setState("running");
    send({ type: "started", source: "browser", transport, encoder: encoder.kind });
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
    clearTimeout(claim?.timer);
    claim = null;
    stopStream();
    mode = null;
    inFlight = 0;
    sent.clear();
    silentSince = 0;
    latest = { faces: [], width: 1, height: 1 };
    if (kernelImage) kernelImage.close();
    kernelImage = null;
    arrivals.length = 0;
    cameraFrames.length = 0;
    lastSent = -1;
    fpsLabel.textContent = "";
    draw(); // clears the overlay (while the stage is still shown: draw skips a hidden one)
    setState("idle");
    reportTimings();
    if (notify && wasKernel) send({ type: "stop_kernel" });
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
    const grabbed = performance.now();
    const timing = { id: nextId++, capture: pacing ? Math.min(presentedAt, grabbed) : grabbed, grabbed, kernel: 0 };
    const width = model.get("width");
    const height = Math.round((width * video.videoHeight) / video.videoWidth / 2) * 2;
    const format = frameFormat();
    let buffer;
    try {
      buffer = await encoder.encode(video, width, height, format, model.get("jpeg_quality"));
    } catch (error) {
      inFlight = Math.max(0, inFlight - 1);
      if (encoder.kind === "worker") encoder = makeEncoder("main"); // the worker failed: encode here from now on
      return;
    }
    if (mode !== "browser") return;
    timing.encoded = performance.now();
    timing.bytes = buffer.byteLength;
    const content = { type: "frame", id: timing.id, width, height, format, display: shownWidth() };
    if (transport === "base64") content.data = toBase64(buffer);
    if (!silentSince) silentSince = timing.encoded;
    sent.set(timing.id, timing);
    timing.sent = timing.encoded;
    if (!send(content, transport === "binary" ? [buffer] : undefined)) return;
    timing.sent = performance.now();
  }

  function onVideoFrame(now, metadata) {
    if (mode !== "browser") return;
    presented = metadata.presentedFrames;
    // captureTime: when the camera took the frame (Chromium gives it for camera streams); else when it was shown
    presentedAt = typeof metadata.captureTime === "number" && metadata.captureTime > 0 ? metadata.captureTime : now;
    cameraFrames.push(now);
    while (cameraFrames.length && cameraFrames[0] < now - 2000) cameraFrames.shift();
    video.requestVideoFrameCallback(onVideoFrame);
    pump();
  }

  function pump() {
    while (mode === "browser" && inFlight < model.get("max_in_flight")) {
      const before = inFlight;
      sendFrame();
      if (inFlight === before) break; // video not ready yet (sendFrame rescheduled itself) or frame already sent
    }
  }

  function arrived() {
    const now = performance.now();
    arrivals.push(now);
    while (arrivals.length && arrivals[0] < now - 2000) arrivals.shift();
  }

  function finished(timing) {
    timings.push(timing);
    if (timings.length > TIMINGS_KEPT) timings.splice(0, timings.length - TIMINGS_KEPT);
    unreported.push(timingRow(timing));
  }

  // The recent timings go to the kernel (widget.latency) about once a second, in one small message.
  function reportTimings() {
    if (!unreported.length) return;
    const rows = unreported;
    unreported = [];
    send({ type: "latency", frames: rows });
  }

  function onResults(msg) {
    const timing = sent.get(msg.id);
    if (timing) {
      timing.received = performance.now();
      timing.kernel = msg.handle_ms ?? msg.ms ?? 0;
      sent.delete(msg.id);
      inFlight = Math.max(0, inFlight - 1);
    }
    silentSince = sent.size ? Math.min(...[...sent.values()].map((t) => t.sent)) : 0;
    if (msg.error) statusLabel.textContent = msg.error;
    latest = msg;
    analysisMs = msg.ms;
    arrived();
    pump();
    draw();
    if (timing) {
      timing.drawn = performance.now();
      finished(timing);
    }
  }

  function onOwner(msg, buffers) {
    if (msg.owner === view) {
      if (!claim) return;
      clearTimeout(claim.timer);
      claim = null;
      transport = chooseTransport(msg, buffers);
      begin();
    } else if (claim || mode) {
      stop(false);
      showMessage("The camera runs in another view of this widget (this output shows the same widget twice). "
                  + "Press Start here to move it to this view.", "info");
    } else if (msg.owner && msg.to === view) {
      showMessage("The camera runs in another view of this widget. Press Start here to move it to this view.", "info");
    }
  }

  function onMessage(msg, buffers) {
    if (msg.view && msg.view !== view) return;
    if (msg.type === "results" && mode === "browser") {
      onResults(msg);
    } else if (msg.type === "owner") {
      onOwner(msg, buffers);
    } else if (msg.type === "kernel_frame") {
      if (mode !== "kernel") {
        if (root.dataset.state !== "starting" && root.dataset.state !== "running") return;
        mode = "kernel";
        startedAt = performance.now();
        setState("running");
      }
      const data = buffers?.length ? buffers[0] : fromBase64(msg.data || "");
      const blob = new Blob([data], { type: "image/jpeg" });
      createImageBitmap(blob).then((image) => {
        if (mode !== "kernel") return image.close();
        if (kernelImage) kernelImage.close();
        kernelImage = image;
        latest = msg;
        analysisMs = msg.ms;
        arrived();
        draw();
        send({ type: "ack", id: msg.id });
      }, () => send({ type: "ack", id: msg.id }));
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


  // Twice a second: drop frames the kernel never answered, update the figures (frame rate, median
  // capture-to-drawn latency) in the bar, the traits and root.dataset, and say once if Nagle's delay shows.
  function report() {
    const now = performance.now();
    for (const [id, timing] of sent) {
      if (now - timing.sent > NO_ANSWER_MS) {
        sent.delete(id);
        inFlight = Math.max(0, inFlight - 1);
      }
    }
    if (mode === "browser" && silentSince && now - silentSince > NO_ANSWER_MS) {
      statusLabel.textContent = "the kernel is not answering (busy?)";
      silentSince = now;
    }
    if (mode === "browser") pump();
    // frames per second over the last two seconds (or since the start, if shorter)
    const span = Math.min(2000, now - startedAt);
    const rate = (times) => (span > 250 ? (times.filter((t) => t > now - span).length * 1000) / span : 0);
    const fps = mode ? rate(arrivals) : 0;
    const camera = mode === "browser" && pacing ? ` of ${rate(cameraFrames).toFixed(0)}` : "";
    const faces = (latest.faces || []).length;
    const recent = timings.filter((t) => t.drawn > now - 2000);
    const latencies = recent.map((t) => t.drawn - t.capture);
    const latency = median(latencies);
    const p90 = quantile(latencies, 0.9);
    if (mode === "browser") {
      const figure = latencies.length ? ` · capture→drawn ${latency.toFixed(0)} ms (median)` : "";
      fpsLabel.textContent = `${fps.toFixed(1)}${camera} fps${figure} · kernel ${analysisMs.toFixed(0)} ms`;
    } else if (mode === "kernel") {
      fpsLabel.textContent = `${fps.toFixed(1)} fps · kernel ${analysisMs.toFixed(0)} ms`;
    }
    root.dataset.fps = fps.toFixed(1);
    root.dataset.latency = latency.toFixed(1);
    root.dataset.latencyP90 = p90.toFixed(1);
    if (mode && !(latest.faces || []).length) draw(); // clear boxes of faces that left
    root.dataset.faces = String(faces);
    if (mode && recent.length >= 30 && !nagleShown) checkNagle(recent);
    if (mode && (Math.abs(model.get("fps") - fps) > 0.05 || model.get("faces") !== faces
                 || Math.abs(model.get("latency_ms") - latency) > 0.5)) {
      model.set("fps", Math.round(fps * 10) / 10);
      model.set("faces", faces);
      model.set("latency_ms", Math.round(latency * 10) / 10);
      setTrait("latency_p90_ms", Math.round(p90 * 10) / 10);
    }
  }

  // Jupyter Server's stock kernel websocket holds a small message back while the one before it is
  // unacknowledged (Nagle's algorithm): replies then spend tens of milliseconds between the kernel and the
  // page although the kernel answered at once. Say so once, with the fix. A heuristic: a very busy machine
  // can look the same (a pair of back-to-back messages, timed, did not tell them apart on a loaded machine).
  function checkNagle(recent) {
    const network = median(recent.map((t) => t.received - t.sent - t.kernel));
    if (network < NAGLE_NETWORK_MS) return;
    nagleShown = true;
    root.dataset.nagle = network.toFixed(0);
    showMessage(`Each reply spends ${network.toFixed(0)} ms between the kernel and this page: the Jupyter server `
      + "probably holds small messages back (Nagle's algorithm). For the camera's full frame rate, start Jupyter with "
      + "--ServerApp.kernel_websocket_connection_class=emolib.widgets.server.NoDelayWebsocketConnection "
      + "(on JupyterHub: the jupyter_server_config.py line in emolib's docs/jupyterhub.md). If it is on already, "
      + "the machine is busy or the server is far.", "info");
  }

  button.addEventListener("click", () => {
    if (kernelGone) {
      showMessage(RESTARTED, "info");
      return;
    }
    const active = root.dataset.state === "running" || root.dataset.state === "starting";
    if (active) {
      setTrait("running", false);
      return;
    }
    clicked = true;
    if (model.get("running")) start(); // running in another view of this widget: move the camera here
    else setTrait("running", true);
  });
  select.addEventListener("change", () => setTrait("camera", select.value));

  function onRunning() {
    const wanted = model.get("running");
    const active = root.dataset.state === "running" || root.dataset.state === "starting";
    if (wanted && !active) start();
    if (!wanted && active) stop();
  }
  function onCamera() {
    if (mode === "browser") {
      stop(false);
      clicked = true;
      start();
    }
  }
  // comm_live_update: JupyterLab and Notebook 7 mark every widget dead when the kernel restarts.
  model.on("comm_live_update", onKernelGone);
  model.on("comm:close", onKernelGone);
  function onRecording() {
    const path = model.get("recording");
    statusLabel.textContent = path ? `● recording to ${path}` : "";
  }
  model.on("change:running", onRunning);
  model.on("change:camera", onCamera);
  model.on("change:recording", onRecording);
  onRecording();
  const resizer = new ResizeObserver(() => draw());
  resizer.observe(stage);
  timer = setInterval(report, 500);
  const reporter = setInterval(reportTimings, 1000);
  // A new view (a page reload, the notebook opened again, the widget shown twice) never turns a camera on by
  // itself: it waits for a click. The kernel says whether another view is streaming; if none is, running
  // (restored from the kernel after a reload) is stale and the kernel turns it off.
  if (model.get("running")) {
    showMessage("Press Start to turn the camera on.", "info");
    send({ type: "hello" });
  }

  return () => {
    destroyed = true;
    resizer.disconnect();
    clearInterval(timer);
    clearInterval(reporter);
    model.off("msg:custom", onMessage);
    model.off("comm_live_update", onKernelGone);
    model.off("comm:close", onKernelGone);
    model.off("change:running", onRunning);
    model.off("change:camera", onCamera);
    model.off("change:recording", onRecording);
    const owned = mode !== null;
    destroyed = false; // let stop() and the release message through once
    stop();
    if (owned) send({ type: "release" });
    destroyed = true;
    encoder?.close();
  };
}

export default { render };
