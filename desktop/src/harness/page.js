// The harness page: every turn goes to the harness server on this computer, which hands it to
// the core's assistant session and answers with what to show, play and log. No library, no
// build step, nothing fetched from elsewhere.
"use strict";

const strings = JSON.parse(document.getElementById("strings").textContent);
const $ = (id) => document.getElementById(id);
const conversation = $("conversation");
const conversationLog = $("conversation-log");
const status = $("status");
const error = $("error");
const logBody = document.querySelector("#log tbody");
const busyControls = [
  "send", "silence", "upload", "step-up-approve", "step-up-refuse", "consent-agree", "consent-decline", "apply-condition",
];

function say(message) {
  status.textContent = message || "";
}

function fail(message) {
  error.textContent = message || "";
}

function setBusy(busy) {
  for (const id of busyControls) {
    $(id).disabled = busy;
  }
  if (busy) {
    say(strings["harness-working"]);
  }
}

function addLine(who, text, className, audio) {
  const item = document.createElement("li");
  item.className = className;
  const label = document.createElement("span");
  label.className = "who";
  label.textContent = who;
  const body = document.createElement("span");
  body.textContent = text;
  item.append(label, body);
  if (audio) {
    const player = document.createElement("audio");
    player.controls = true;
    player.preload = "auto";
    player.src = audio.src;
    player.setAttribute("aria-label", audio.label);
    item.append(player);
  }
  conversation.append(item);
  conversationLog.scrollTop = conversationLog.scrollHeight;
  return item;
}

function addLogRow(entry) {
  const row = document.createElement("tr");
  const cells = [entry.turn, entry.input, entry.intent ?? strings["harness-no-intent"], null, entry.latency || ""];
  cells.forEach((value, index) => {
    const cell = document.createElement("td");
    if (index === 3) {
      for (const event of entry.events || []) {
        const code = document.createElement("code");
        code.textContent = event;
        cell.append(code, document.createElement("br"));
      }
    } else {
      cell.textContent = value == null ? "" : String(value);
    }
    if (index === 4) {
      cell.className = "latency";
    }
    row.append(cell);
  });
  logBody.append(row);
}

// Replies are played one after another, in order, when "Play replies aloud" is checked.
const playQueue = [];
let playing = false;
function playNext() {
  if (playing || playQueue.length === 0) {
    return;
  }
  const player = playQueue.shift();
  playing = true;
  const done = () => {
    playing = false;
    playNext();
  };
  player.addEventListener("ended", done, { once: true });
  player.addEventListener("error", done, { once: true });
  player.play().catch(done);
}

function show(result) {
  if (result.customer) {
    addLine(strings["harness-you"], result.customer, "customer");
  }
  if (result.heard) {
    addLine(strings["harness-you"], result.heard, "customer heard");
  }
  for (const reply of result.replies || []) {
    const item = addLine(strings["harness-assistant"], reply.display, "assistant", reply.audio);
    const player = item.querySelector("audio");
    if (player && $("play-aloud").checked) {
      playQueue.push(player);
    }
  }
  playNext();
  addLogRow(result);
  const stepUp = $("step-up");
  if (result.step_up !== undefined) {
    // The step-up control takes the focus when it appears (once the controls are enabled).
    focusStepUp = result.step_up && stepUp.hidden;
    stepUp.hidden = !result.step_up;
    // The answer names the request it was shown for: a late click approves nothing newer.
    stepUpRequest = result.step_up ? result.step_up_request : null;
  }
  // The consent screen, when speech came before the customer agreed; it hides once she
  // decided.
  if (result.consent) {
    askConsent();
  }
  if (result.consent_decided) {
    $("consent").hidden = true;
    voiceConsented = result.granted;
  }
  if (result.condition) {
    say(result.condition);
  }
}

let focusStepUp = false;
// The step-up request the prompt on screen answers (null: none shown).
let stepUpRequest = null;
let focusConsent = false;
// Whether she agreed to voice recognition, as her store has it (asked when the page loads:
// a page reloaded keeps the conversation and her decision).
let voiceConsented = false;
fetch("/api/consent")
  .then((response) => response.json())
  .then((state) => {
    voiceConsented = state.granted === true;
  })
  .catch(() => {});

/** Shows the consent screen (the core's words, in the page since it was served); its Agree
 *  button takes the focus. */
function askConsent() {
  focusConsent = $("consent").hidden;
  $("consent").hidden = false;
}

async function post(path, body, contentType) {
  fail("");
  setBusy(true);
  try {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": contentType },
      body,
    });
    let result;
    try {
      result = await response.json();
    } catch {
      result = { error: strings["harness-error-server"] };
    }
    if (!response.ok || result.error) {
      fail(result.error || strings["harness-error-server"]);
      return null;
    }
    show(result);
    return result;
  } catch {
    fail(strings["harness-error-server"]);
    return null;
  } finally {
    setBusy(false);
    if (focusStepUp) {
      focusStepUp = false;
      $("step-up-approve").focus();
    }
    if (focusConsent) {
      focusConsent = false;
      $("consent-agree").focus();
    }
    if (!status.dataset.keep) {
      say("");
    }
  }
}

const postJson = (path, value) => post(path, JSON.stringify(value), "application/json");

$("text-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("text");
  const text = input.value.trim();
  if (!text) {
    fail(strings["harness-error-empty-text"]);
    input.focus();
    return;
  }
  const result = await postJson("/api/turn", { text });
  if (result) {
    input.value = "";
  }
  // Back to the text field for the next turn, unless the step-up control took the focus.
  if ($("step-up").hidden) {
    input.focus();
  }
});

$("silence").addEventListener("click", () => postJson("/api/silence", {}));

// The step-up buttons and the consent screen hide once answered: the focus goes back to the
// text field, not lost.
async function answer(section, path, body) {
  await postJson(path, body);
  if ($(section).hidden) {
    $("text").focus();
  }
}
$("step-up-approve").addEventListener("click", () =>
  answer("step-up", "/api/step-up", { approved: true, request: stepUpRequest }));
$("step-up-refuse").addEventListener("click", () =>
  answer("step-up", "/api/step-up", { approved: false, request: stepUpRequest }));
$("consent-agree").addEventListener("click", () => answer("consent", "/api/consent", { granted: true }));
$("consent-decline").addEventListener("click", () => answer("consent", "/api/consent", { granted: false }));

$("upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("wav").files[0];
  if (!file) {
    fail(strings["harness-error-no-file"]);
    $("wav").focus();
    return;
  }
  say(strings["harness-recognizing"]);
  await post("/api/audio", await file.arrayBuffer(), "audio/wav");
});

$("condition-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  status.dataset.keep = "1";
  await postJson("/api/condition", { condition: $("condition").value });
  delete status.dataset.keep;
});

// --- The microphone: captured as float samples, ended by the tester or by a second of quiet
// after speech, encoded as 16-bit PCM WAV here and sent as an upload is.

const QUIET_LEVEL = 0.01;
const SPEECH_LEVEL = 0.02;
const QUIET_TO_END_SECONDS = 1.0;
const MAX_SECONDS = 29;
let recording = null;

function encodeWav(chunks, sampleRate) {
  const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const buffer = new ArrayBuffer(44 + length * 2);
  const view = new DataView(buffer);
  const text = (offset, value) => {
    for (let i = 0; i < value.length; i += 1) {
      view.setUint8(offset + i, value.charCodeAt(i));
    }
  };
  text(0, "RIFF");
  view.setUint32(4, 36 + length * 2, true);
  text(8, "WAVE");
  text(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, "data");
  view.setUint32(40, length * 2, true);
  let offset = 44;
  for (const chunk of chunks) {
    for (const sample of chunk) {
      const clamped = Math.max(-1, Math.min(1, sample));
      view.setInt16(offset, clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff, true);
      offset += 2;
    }
  }
  return buffer;
}

async function startRecording() {
  fail("");
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
  } catch {
    fail(strings["harness-error-mic"]);
    return;
  }
  let context;
  let source;
  let capture;
  try {
    context = new AudioContext();
    await context.audioWorklet.addModule("/capture-worklet.js");
    source = context.createMediaStreamSource(stream);
    capture = new AudioWorkletNode(context, "capture", { numberOfInputs: 1, numberOfOutputs: 0 });
  } catch {
    stream.getTracks().forEach((track) => track.stop());
    context?.close();
    fail(strings["harness-error-mic"]);
    return;
  }
  const state = { stream, context, source, capture, chunks: [], frames: 0, heardSpeech: false, quietFrames: 0 };
  capture.port.onmessage = ({ data }) => {
    if (recording !== state) {
      return;
    }
    state.chunks.push(data);
    state.frames += data.length;
    let energy = 0;
    for (const sample of data) {
      energy += sample * sample;
    }
    const level = Math.sqrt(energy / Math.max(1, data.length));
    if (level >= SPEECH_LEVEL) {
      state.heardSpeech = true;
      state.quietFrames = 0;
    } else if (state.heardSpeech && level < QUIET_LEVEL) {
      state.quietFrames += data.length;
    }
    const rate = context.sampleRate;
    if ((state.heardSpeech && state.quietFrames >= QUIET_TO_END_SECONDS * rate) || state.frames >= MAX_SECONDS * rate) {
      stopRecording();
    }
  };
  source.connect(capture);
  recording = state;
  const button = $("mic");
  button.setAttribute("aria-pressed", "true");
  button.textContent = strings["harness-mic-stop"];
  status.dataset.keep = "1";
  say(strings["harness-mic-listening"]);
}

async function stopRecording() {
  const state = recording;
  if (!state) {
    return;
  }
  recording = null;
  const button = $("mic");
  button.setAttribute("aria-pressed", "false");
  button.textContent = strings["harness-mic-start"];
  state.source.disconnect();
  state.stream.getTracks().forEach((track) => track.stop());
  const sampleRate = state.context.sampleRate;
  await state.context.close();
  delete status.dataset.keep;
  say(strings["harness-recognizing"]);
  await post("/api/audio", encodeWav(state.chunks, sampleRate), "audio/wav");
}

let starting = false;
$("mic").addEventListener("click", async () => {
  if (recording) {
    await stopRecording();
  } else if (!voiceConsented) {
    // As an app does: no microphone opens before she agreed to voice recognition.
    askConsent();
    focusConsent = false;
    $("consent-agree").focus();
  } else if (!starting) {
    starting = true;
    try {
      await startRecording();
    } finally {
      starting = false;
    }
  }
});
