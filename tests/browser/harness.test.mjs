// The harness page (`tingshuo harness serve`) in headless Debian Chromium, driven by Playwright
// (playwright-core: no browser download) and checked by axe-core; and, when the scenario runner
// is there, its HTML report checked by axe-core too. Everything is real: the harness binary
// with its in-process reference bank on loopback, espeak-ng rendering the recordings, whisper
// recognizing them, Chromium's fake capture device playing a WAV file as the microphone.
//
// Run by scripts/browser-tests.sh (make browser-tests), which builds the binary and installs
// Chromium and these packages. Environment: TINGSHUO (the binary), CHROMIUM (the browser),
// TINGSHUO_SCREENSHOT=docs to write docs/harness-page.png (else target/browser/).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync, existsSync, readdirSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const tingshuo = process.env.TINGSHUO || join(root, "target/debug/tingshuo");
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const work = mkdtempSync(join(tmpdir(), "tingshuo-browser-"));

// What the customer says in the recordings (espeak-ng, en-US; recognized by base-q8_0, the product's model).
const UPLOADED = "what's my balance";
const SPOKEN = "read me my last three transactions";
// Long enough for a first recognition (the model loads on the first recording).
const TURN_TIMEOUT = 60_000;

let server;
let baseUrl;
let browser;
let page;
const pageErrors = [];

/** Renders `text` to a WAV file with `tingshuo say` (espeak-ng). */
function say(text, file) {
  const result = spawnSync(tingshuo, ["say", text, "--locale", "en-US", "--out", file], { encoding: "utf8" });
  assert.equal(result.status, 0, `tingshuo say failed: ${result.stderr}`);
  return file;
}

/** The same 16-bit mono WAV with silence before and after (for the microphone: the page
 * ends a recording after a second of quiet that follows speech). */
function padded(source, target, beforeSeconds, afterSeconds) {
  const wav = readFileSync(source);
  assert.equal(wav.toString("ascii", 0, 4), "RIFF");
  const rate = wav.readUInt32LE(24);
  let offset = 12;
  let data = null;
  while (offset + 8 <= wav.length) {
    const id = wav.toString("ascii", offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    if (id === "data") {
      data = wav.subarray(offset + 8, offset + 8 + size);
      break;
    }
    offset += 8 + size + (size % 2);
  }
  assert.ok(data, "no data chunk");
  const before = Buffer.alloc(Math.round(rate * beforeSeconds) * 2);
  const after = Buffer.alloc(Math.round(rate * afterSeconds) * 2);
  const samples = Buffer.concat([before, data, after]);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + samples.length, 4);
  header.write("WAVEfmt ", 8, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(samples.length, 40);
  writeFileSync(target, Buffer.concat([header, samples]));
  return target;
}

/** Starts `tingshuo harness serve` on a free loopback port; resolves with its address. */
function startHarness(locale, env = process.env) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      tingshuo,
      ["--data-dir", join(work, `data-${locale}`), "harness", "serve", "--port", "0", "--locale", locale],
      { stdio: ["ignore", "pipe", "pipe"], env },
    );
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`the harness did not start: ${out}${err}`)), 60_000);
    child.stderr.on("data", (chunk) => {
      err += chunk;
    });
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const found = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (found) {
        clearTimeout(timer);
        resolvePromise({ child, url: found[0] });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the harness exited (${code}): ${out}${err}`));
    });
  });
}

async function runAxe(target) {
  await target.evaluate(axeSource);
  const results = await target.evaluate(() => window.axe.run(document));
  return results.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Presses Tab from the top of the page until every visible, enabled control matching
 * `selector` has had the focus (or many more presses than there are controls); returns how many
 * controls there are and the accessible name of each one reached. */
async function tabThrough(target, selector) {
  const count = await target.evaluate((wanted) => {
    const controls = [...document.querySelectorAll(wanted)].filter((el) => !el.disabled && el.getClientRects().length > 0);
    controls.forEach((el, index) => el.setAttribute("data-tab-target", String(index)));
    return controls.length;
  }, selector);
  await target.locator("body").focus();
  const reached = new Map();
  for (let press = 0; press < count * 6 + 10 && reached.size < count; press += 1) {
    await target.keyboard.press("Tab");
    const focused = await target.evaluate(() => {
      const el = document.activeElement;
      const index = el && el.getAttribute("data-tab-target");
      if (index == null) {
        return null;
      }
      const labelledBy = el.getAttribute("aria-labelledby");
      const name =
        el.getAttribute("aria-label") ||
        (labelledBy && labelledBy.split(" ").map((id) => document.getElementById(id)?.textContent || "").join(" ")) ||
        [...(el.labels || [])].map((label) => label.textContent).join(" ") ||
        el.textContent ||
        el.getAttribute("title") ||
        "";
      return { index, name: name.trim(), what: el.outerHTML.slice(0, 80) };
    });
    if (focused) {
      reached.set(focused.index, focused);
    }
  }
  return { count, reached };
}

/** Waits until the event log has `rows` rows; returns the last one's cells. */
async function logRow(rows) {
  await page.locator("#log tbody tr").nth(rows - 1).waitFor({ timeout: TURN_TIMEOUT });
  return page.locator("#log tbody tr").nth(rows - 1).locator("td").allInnerTexts();
}

async function rowCount() {
  return page.locator("#log tbody tr").count();
}

/** Chooses and applies a bank condition (its value in the list). */
async function applyCondition(value) {
  await page.getByLabel("Bank condition").selectOption(value);
  await page.getByRole("button", { name: "Apply the condition" }).click();
}

/** Types and sends each turn in order, each waited for in the event log. */
async function typeTurns(texts) {
  for (const text of texts) {
    await page.getByLabel("What the customer says").fill(text);
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await logRow((await rowCount()) + 1);
  }
}

before(async () => {
  const uploaded = say(UPLOADED, join(work, "uploaded.wav"));
  const spoken = padded(say(SPOKEN, join(work, "spoken-plain.wav")), join(work, "spoken.wav"), 0.5, 3);
  assert.ok(existsSync(uploaded) && existsSync(spoken));
  ({ child: server, url: baseUrl } = await startHarness("en-US"));
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${spoken}%noloop`,
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  await context.grantPermissions(["microphone"], { origin: baseUrl.replace(/\/$/, "") });
  page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  await page.goto(baseUrl);
});

/** Stops a harness as Ctrl-C would, and waits for it to clean up. */
async function stop(child) {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolvePromise) => child.on("exit", resolvePromise));
    child.kill("SIGTERM");
    await exited;
  }
}

after(async () => {
  await browser?.close();
  await stop(server);
  rmSync(work, { recursive: true, force: true });
});

test("the page is in the customer's language and loads nothing from elsewhere", async () => {
  assert.equal(await page.getAttribute("html", "lang"), "en-US");
  const outside = await page.evaluate(() =>
    performance.getEntriesByType("resource").map((r) => r.name).filter((name) => !name.startsWith(location.origin)),
  );
  assert.deepEqual(outside, []);
  assert.equal(await page.getAttribute("#conversation-log", "role"), "log");
  assert.equal(await page.getAttribute("#conversation-log", "aria-live"), "polite");
});

test("keyboard only: Tab reaches every control, each with an accessible name, and a typed turn is answered", async () => {
  const { count, reached } = await tabThrough(page, "button, input, select, textarea, a[href]");
  assert.ok(count >= 9, `${count} controls`);
  assert.equal(reached.size, count, `Tab reaches ${reached.size} of ${count} controls`);
  for (const { name, what } of reached.values()) {
    assert.ok(name, `no accessible name: ${what}`);
  }
  // Operate the page from the keyboard alone: to the text field, type, Enter.
  await page.locator("body").focus();
  for (let i = 0; i < 40 && (await page.evaluate(() => document.activeElement.id)) !== "text"; i += 1) {
    await page.keyboard.press("Tab");
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), "text");
  const rows = await rowCount();
  await page.keyboard.type("what's my balance");
  await page.keyboard.press("Enter");
  const [, input, intent, events] = await logRow(rows + 1);
  assert.match(input, /what's my balance/);
  assert.match(intent, /^balance/);
  assert.match(events, /dlg-balance/);
});

test("a typed transfer is read back, confirmed, approved at step-up and made", async () => {
  const rows = await rowCount();
  await page.getByLabel("What the customer says").fill("send fifty dollars to Alice Chen");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  const [, , intent, events] = await logRow(rows + 1);
  assert.match(intent, /^transfer/);
  assert.match(events, /dlg-readback-transfer/);
  const readBack = page.locator("#conversation li.assistant").last();
  await assert.doesNotReject(readBack.getByText(/Send \$50\.00 to Alice Chen, ending in \d{4}/).waitFor());
  assert.ok(await readBack.locator("audio").count(), "the read-back has no audio");
  const audio = await readBack.locator("audio").getAttribute("src");
  const wav = await page.request.get(new URL(audio, baseUrl).href);
  assert.equal(wav.status(), 200);
  assert.equal((await wav.body()).toString("ascii", 0, 4), "RIFF");
  // "Play replies aloud" is on: the replies are played, in order.
  await assert.doesNotReject(
    page.waitForFunction(() => [...document.querySelectorAll("#conversation audio")].some((a) => a.played.length > 0), null, {
      timeout: 20_000,
    }),
  );

  await page.getByLabel("What the customer says").fill("yes");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await logRow(rows + 2);
  const approve = page.getByRole("button", { name: "Approve (the PIN is right)" });
  await approve.waitFor();
  // The step-up control takes the focus when it appears; Enter presses it.
  assert.equal(await page.evaluate(() => document.activeElement.id), "step-up-approve");
  await page.keyboard.press("Enter");
  const [, , , made] = await logRow(rows + 3);
  assert.match(made, /dlg-payment-made|dlg-payment-held|dlg-sending/);
  assert.equal(await page.locator("#step-up").isHidden(), true);
  assert.equal(await page.evaluate(() => document.activeElement.id), "text", "the focus is lost after the step-up");
});

test("an Approve for a prompt she moved on from approves nothing newer", async () => {
  const rows = await rowCount();
  await typeTurns(["send fifty dollars to Alice Chen", "yes"]);
  const first = await page.evaluate(() => stepUpRequest);
  await typeTurns(["no, I said sixty", "yes"]);
  const second = await page.evaluate(() => stepUpRequest);
  assert.ok(Number.isInteger(first) && second > first, `${first} then ${second}`);
  // The first prompt's Approve, arriving late: it approves nothing.
  const late = await page.request.post(new URL("/api/step-up", baseUrl).href, {
    data: { approved: true, request: first },
  });
  assert.equal(late.status(), 200);
  assert.doesNotMatch(JSON.stringify(await late.json()), /dlg-payment|dlg-sending/);
  // The prompt on screen answers the request asked last: the sixty read back is paid (the
  // late answer went around the page, so the page's log has no row of it).
  await page.getByRole("button", { name: "Approve (the PIN is right)" }).click();
  const [, , , made] = await logRow(rows + 5);
  assert.match(made, /dlg-payment-made|dlg-payment-held|dlg-sending/);
});

/** Sends the uploaded recording as a turn. */
async function sendRecording() {
  await page.getByLabel("A WAV recording of the customer").setInputFiles(join(work, "uploaded.wav"));
  await page.getByRole("button", { name: "Send the recording" }).click();
}

test("speech before the customer agreed is not heard: the consent screen asks her, in the core's words", async () => {
  const rows = await rowCount();
  // A recording before she was asked: dropped unheard, and the consent screen shows, a
  // region named by its title, its Agree button focused.
  await sendRecording();
  let [, , , events] = await logRow(rows + 1);
  assert.match(events, /consent-voice-needed/);
  assert.match(events, /consent asked for: Use your voice/);
  assert.doesNotMatch(events, /dlg-balance/);
  const screen = page.getByRole("region", { name: "Use your voice" });
  await screen.waitFor();
  await assert.doesNotReject(screen.getByText(/never sent to the bank/).waitFor());
  assert.equal(await page.evaluate(() => document.activeElement.id), "consent-agree");
  assert.deepEqual(await runAxe(page), []);
  // Declined: the screen hides and the focus goes back to the text field.
  await page.getByRole("button", { name: "No, thank you" }).click();
  const [, declined] = await logRow(rows + 2);
  assert.match(declined, /Declined on the consent screen “Use your voice”/);
  assert.equal(await page.locator("#consent").isHidden(), true);
  assert.equal(await page.evaluate(() => document.activeElement.id), "text");
  // Her "no" stands: a recording is dropped with a sentence saying so, and no screen.
  await sendRecording();
  [, , , events] = await logRow(rows + 3);
  assert.match(events, /consent-voice-declined/);
  assert.doesNotMatch(events, /dlg-balance|consent asked for/);
  assert.equal(await page.locator("#consent").isHidden(), true);
  // She changes her mind: the microphone opens no microphone but the screen; Enter agrees.
  await page.getByRole("button", { name: "Speak into the microphone" }).click();
  await screen.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), "consent-agree");
  assert.equal(await page.getAttribute("#mic", "aria-pressed"), "false");
  await page.keyboard.press("Enter");
  const [, agreed] = await logRow(rows + 4);
  assert.match(agreed, /Agreed on the consent screen/);
  assert.equal(await page.locator("#consent").isHidden(), true);
});

test("an uploaded WAV recording is recognized and understood", async () => {
  const rows = await rowCount();
  await sendRecording();
  const [, input, intent, events] = await logRow(rows + 1);
  assert.match(input, /recording/);
  assert.match(intent, /^balance/);
  assert.match(events, /dlg-balance/);
  await assert.doesNotReject(page.locator("#conversation li.heard").last().getByText(/balance/i).waitFor());
});

test("a bad upload gets a clear error, not a failure", async () => {
  writeFileSync(join(work, "garbage.wav"), "this is no recording");
  const rows = await rowCount();
  await page.getByLabel("A WAV recording of the customer").setInputFiles(join(work, "garbage.wav"));
  await page.getByRole("button", { name: "Send the recording" }).click();
  await assert.doesNotReject(page.getByRole("alert").getByText("That file is not a WAV recording.").waitFor());
  assert.equal(await rowCount(), rows);
});

test("uploads too large or too long are refused with the page's words", async () => {
  const tooLarge = await page.request.post(new URL("/api/audio", baseUrl).href, {
    headers: { "Content-Type": "audio/wav" },
    data: Buffer.alloc(13 * 1024 * 1024),
  });
  assert.equal(tooLarge.status(), 413);
  assert.match((await tooLarge.json()).error, /too large: at most 12 MB/);
  // The recording followed by 31 s of silence: refused from its header, before any sample.
  const seconds31 = join(work, "long.wav");
  padded(join(work, "uploaded.wav"), seconds31, 0, 31);
  const tooLong = await page.request.post(new URL("/api/audio", baseUrl).href, {
    headers: { "Content-Type": "audio/wav" },
    data: readFileSync(seconds31),
  });
  assert.equal(tooLong.status(), 422);
  assert.match((await tooLong.json()).error, /too long: at most 30 seconds/);
  // A request from another site's page is refused.
  const foreign = await page.request.post(new URL("/api/turn", baseUrl).href, {
    headers: { "Content-Type": "application/json", Origin: "http://example.com" },
    data: JSON.stringify({ text: "send fifty dollars to Alice Chen" }),
  });
  assert.equal(foreign.status(), 403);
});

/** A GET with the Host header given (a browser would send the name it was pointed at). */
function getWithHost(path, host) {
  return new Promise((resolvePromise, reject) => {
    const url = new URL(path, baseUrl);
    const request = httpRequest({ hostname: "127.0.0.1", port: url.port, path: url.pathname, headers: { Host: host } }, (response) => {
      response.resume();
      response.on("end", () => resolvePromise(response.statusCode));
    });
    request.on("error", reject);
    request.end();
  });
}

test("the server answers only to its loopback names and serves only reply files", async () => {
  const port = new URL(baseUrl).port;
  assert.equal(await getWithHost("/", `127.0.0.1:${port}`), 200);
  assert.equal(await getWithHost("/", `localhost:${port}`), 200);
  // A name rebound to 127.0.0.1 by someone else's DNS is refused.
  assert.equal(await getWithHost("/", `attacker.example:${port}`), 403);
  for (const path of ["/replies/..%2F..%2Fetc%2Fpasswd", "/replies/%2Fetc%2Fpasswd", "/replies/.hidden.wav", "/replies/none.wav"]) {
    assert.equal(await getWithHost(path, `127.0.0.1:${port}`), 404, path);
  }
});

test("a command spoken through the page's microphone is recognized and answered", async () => {
  const rows = await rowCount();
  await page.getByRole("button", { name: "Speak into the microphone" }).click();
  // The fake capture device plays the recording; a second of quiet after it ends the turn.
  const [, input, intent, events] = await logRow(rows + 1);
  assert.match(input, /recording/);
  assert.match(intent, /^transactions/);
  assert.match(events, /lines shown/);
  assert.equal(await page.getAttribute("#mic", "aria-pressed"), "false");
});

test("switching the bank offline changes what the assistant says", async () => {
  await applyCondition("offline");
  await assert.doesNotReject(page.getByRole("status").getByText(/The bank is now: Offline/).waitFor());
  const rows = await rowCount();
  await typeTurns(["send fifty dollars to Alice Chen", "yes"]);
  await page.getByRole("button", { name: "Approve (the PIN is right)" }).click();
  const [, , , events] = await logRow(rows + 3);
  assert.match(events, /dlg-payment-not-sent/);
  await assert.doesNotReject(page.locator("#conversation li.assistant").last().getByText(/couldn't reach the bank/).waitFor());
  await applyCondition("online");
  await logRow(rows + 4);
});

test("under 'step-up failing' the customer's Approve fails the identity check", async () => {
  await applyCondition("step_up_failing");
  await assert.doesNotReject(page.getByRole("status").getByText(/The bank is now: Step-up always fails/).waitFor());
  const rows = await rowCount();
  await typeTurns(["send fifty dollars to Alice Chen", "yes"]);
  await page.getByRole("button", { name: "Approve (the PIN is right)" }).click();
  const [, input, , events] = await logRow(rows + 3);
  assert.match(input, /step-up refused/);
  assert.match(events, /dlg-step-up-failed/);
  await applyCondition("online");
  await logRow(rows + 4);
});

test("with a conversation on the page: no axe-core violation, Tab reaches every player too", async () => {
  const violations = await runAxe(page);
  assert.deepEqual(violations, []);
  assert.deepEqual(pageErrors, [], "the page's script failed");
  // The replies' players are reached by Tab too, each named.
  const { count, reached } = await tabThrough(page, "button, input, select, textarea, a[href], audio[controls]");
  assert.equal(reached.size, count, `Tab reaches ${reached.size} of ${count} controls and players`);
  for (const { name, what } of reached.values()) {
    assert.ok(name, `no accessible name: ${what}`);
  }
  const target =
    process.env.TINGSHUO_SCREENSHOT === "docs" ? join(root, "docs/harness-page.png") : join(root, "target/browser/harness-page.png");
  mkdirSync(dirname(target), { recursive: true });
  await page.screenshot({ path: target, fullPage: true });
});

test("the Mandarin page: lang zh-CN, its own words, no axe-core violation", async () => {
  const { child, url } = await startHarness("zh-CN");
  try {
    const zhPage = await browser.newPage();
    await zhPage.goto(url);
    assert.equal(await zhPage.getAttribute("html", "lang"), "zh-CN");
    assert.equal(await zhPage.title(), "听说测试页面");
    await zhPage.getByLabel("客户说的话").fill("我的余额是多少");
    await zhPage.getByRole("button", { name: "发送", exact: true }).click();
    await zhPage.locator("#log tbody tr").first().waitFor({ timeout: TURN_TIMEOUT });
    assert.match(await zhPage.locator("#log tbody tr td").nth(2).innerText(), /^balance/);
    assert.deepEqual(await runAxe(zhPage), []);
    await zhPage.close();
  } finally {
    await stop(child);
  }
});

test("a recording without the speech model installed gets the page's message naming it", async () => {
  const emptyCache = join(work, "no-models");
  mkdirSync(emptyCache, { recursive: true });
  const { child, url } = await startHarness("en-US", { ...process.env, XDG_CACHE_HOME: emptyCache });
  try {
    const answer = await page.request.post(new URL("/api/audio", url).href, {
      headers: { "Content-Type": "audio/wav" },
      data: readFileSync(join(work, "uploaded.wav")),
    });
    assert.equal(answer.status(), 503);
    assert.match((await answer.json()).error, /needs the base-q8_0 speech model.*tingshuo models install base-q8_0/);
  } finally {
    await stop(child);
  }
});

// The scenario runner's report (`tingshuo scenario run --out DIR FILES` writes DIR/report.html).
const runner = spawnSync(tingshuo, ["scenario", "run", "--help"], { encoding: "utf8" });
const scenarioDir = join(root, "tests/scenarios");
const scenarios = existsSync(scenarioDir)
  ? readdirSync(scenarioDir, { recursive: true })
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .slice(0, 2)
      .map((f) => join(scenarioDir, f))
  : [];
const reportSkip =
  runner.status !== 0
    ? "no `tingshuo scenario run` in this build yet"
    : scenarios.length === 0
      ? "no scenarios in tests/scenarios/ yet"
      : false;
if (reportSkip) {
  console.log(`# the scenario report's check is skipped: ${reportSkip}`);
}

test("a scenario report: no axe-core violation, Tab reaches every link and player, each named", { skip: reportSkip }, async () => {
  const out = join(work, "report");
  const run = spawnSync(tingshuo, ["--data-dir", join(work, "scenario-data"), "scenario", "run", "--out", out, ...scenarios], {
    encoding: "utf8",
    timeout: 90_000,
  });
  const report = join(out, "report.html");
  assert.ok(existsSync(report), `no report.html (exit ${run.status}): ${run.stdout}${run.stderr}`);
  const reportPage = await browser.newPage();
  await reportPage.goto(`file://${report}`);
  const outside = await reportPage.evaluate(() =>
    performance.getEntriesByType("resource").map((r) => r.name).filter((name) => !name.startsWith("file:")),
  );
  assert.deepEqual(outside, [], "the report loads nothing from elsewhere");
  assert.ok(await reportPage.getAttribute("html", "lang"), "the report has no lang");
  assert.deepEqual(await runAxe(reportPage), []);
  // Keyboard only: every link, control and audio player reached by Tab, each named.
  const { count, reached } = await tabThrough(reportPage, "a[href], button, input, select, textarea, summary, audio[controls]");
  assert.ok(count > 0, "the report has no control");
  assert.equal(reached.size, count, `Tab reaches ${reached.size} of ${count} controls of the report`);
  for (const { name, what } of reached.values()) {
    assert.ok(name, `no accessible name in the report: ${what}`);
  }
  await reportPage.close();
});
