import { randomInt, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, type Bus } from '@audexly/bus';
import { ttsModel } from '@audexly/protocol';
import { createLogger } from '@audexly/telemetry';
import { startApi, type RunningApi } from './service.js';
import { seedCompletedCall, type SeededCall } from './test/seeded-call.js';

/**
 * The dashboard in a real browser (Debian's Chromium driven by playwright-core) against the real
 * api on the real NATS: an operator signs in with the API token, creates an agent, maps a number to
 * it, then opens a completed call to that number, reads its transcript and plays its recording.
 * Screenshots of every page land in /tmp/dashboard-*.png.
 *
 * Without Chromium the test is skipped, unless REQUIRE_BROWSER=1 (CI), where it fails and says so.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const REQUIRED = process.env.REQUIRE_BROWSER === '1';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const TOKEN = `tok-${randomUUID()}`;
const log = createLogger({ service: 'dashboard-test', level: 'silent' });

let api: RunningApi | undefined;
let bus: Bus | undefined;
let browser: Browser | undefined;
let page: Page;
let base = '';
const created: { agentId?: string; number?: string; callId?: string; telephonyId?: string } = {};

const authorized = { authorization: `Bearer ${TOKEN}` };
async function apiGet<T>(path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: authorized });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  // Build the dashboard from its sources, so the test checks what is in the tree (and works on a fresh clone).
  await build({ configFile: fileURLToPath(new URL('../dashboard/vite.config.ts', import.meta.url)), logLevel: 'warn' });
  api = await startApi(
    {
      NATS_URL,
      API_PORT: '0',
      LOG_LEVEL: 'silent',
      AUDEXLY_API_TOKEN: TOKEN,
      AUDEXLY_SECRET_KEY: `key-${randomUUID()}`,
    },
    log,
  );
  base = `http://127.0.0.1:${api.port}`;
  bus = await connectBus({ servers: NATS_URL, name: 'dashboard-test', log });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
}, 60_000);

afterAll(async () => {
  const remove = async (path: string) => {
    const res = await fetch(`${base}${path}`, { method: 'DELETE', headers: authorized });
    if (!res.ok && res.status !== 404) log.warn({ path, status: res.status }, 'cleanup failed');
  };
  if (api) {
    if (created.callId) await remove(`/api/v1/calls/${created.callId}`);
    if (created.number) await remove(`/api/v1/numbers/${encodeURIComponent(created.number)}`);
    if (created.agentId) await remove(`/api/v1/agents/${created.agentId}`);
    if (created.telephonyId) await remove(`/api/v1/telephony-configs/${created.telephonyId}`);
  }
  await browser?.close();
  await api?.stop();
  await bus?.drain();
});

interface AudioState {
  currentTime: number;
  duration: number;
  paused: boolean;
  readyState: number;
}

/** The recording element's state, read in the page (a string, so this file needs no DOM types). */
async function audioState(): Promise<AudioState | null> {
  return page.evaluate<AudioState | null>(
    "(() => { const a = document.querySelector('audio'); return a && { currentTime: a.currentTime, duration: a.duration, paused: a.paused, readyState: a.readyState }; })()",
  );
}

async function go(label: string): Promise<void> {
  await page.locator('.sidebar nav a', { hasText: label }).click();
  await page.locator('.page-header h1', { hasText: label }).first().waitFor();
}

describe.skipIf(!HAVE_CHROMIUM && !REQUIRED)('dashboard in Chromium', () => {
  it('signs in with the API token, creates an agent, maps a number, and plays a completed call in step with its transcript', async () => {
    if (!HAVE_CHROMIUM)
      throw new Error(
        `REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}: install it with \`apt-get update && apt-get install -y chromium\``,
      );
    const consoleErrors: string[] = [];
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    page.on('console', (msg) => {
      // The first API calls answer 401 before the token is entered: expected, and the reason for the dialog.
      // The 422 is the agent the test sends wrong on purpose.
      if (msg.type() === 'error' && !/\b(401|422)\b/.test(msg.text())) consoleErrors.push(msg.text());
    });

    // The API asks for a token: the dashboard asks the operator once, then keeps it.
    await page.goto(`${base}/`);
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await page.screenshot({ path: '/tmp/dashboard-token.png' });
    await dialog.locator('input[type="password"]').fill('wrong-token');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('did not accept').waitFor();
    await dialog.locator('input[type="password"]').fill(TOKEN);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.evaluate("localStorage.getItem('audexly.apiToken')")).toBe(TOKEN);

    // Create an agent.
    const agentName = `Reception ${randomUUID().slice(0, 6)}`;
    await go('Agents');
    await page.getByRole('link', { name: 'New agent' }).click();
    await page.locator('input[name="name"]').fill(agentName);
    await page
      .locator('textarea[name="prompt"]')
      .fill('You are the front desk of Audexly Motors. Answer in one or two short sentences.');

    // Choosing bulbul:v3 offers bulbul:v3's speakers (not bulbul:v2's), its default picked.
    const speaker = page.locator('select[name="tts.speaker"]');
    expect(await speaker.locator('option').allTextContents()).toContain('Anushka');
    await page.locator('select[name="tts.model"]').selectOption('bulbul:v3');
    const speakerValues = () =>
      page.evaluate<string[]>(
        `[...document.querySelectorAll('select[name="tts.speaker"] option')].map((o) => o.value)`,
      );
    await expect.poll(speakerValues).toEqual([...ttsModel('bulbul:v3')!.speakers]);
    expect(await speaker.inputValue()).toBe('shubh');
    await speaker.selectOption('priya');
    await page.locator('input[name="tts.pace"]').fill('1.5');

    // A transfer number that is not one: refused beside its field, in the label's words, before anything is sent.
    const fieldOf = (control: string) => page.locator('label.field', { has: page.locator(control) });
    await page.locator('input[name="tools.transferNumber"]').fill('12-abc');
    await page.getByRole('button', { name: 'Create agent' }).first().click();
    const transferError = fieldOf('input[name="tools.transferNumber"]').locator('.field-error');
    await transferError.waitFor();
    expect(await transferError.innerText()).toBe('Transfer number must be a phone number, e.g. +919876543210');
    expect(page.url()).toMatch(/#\/agents\/new$/);
    await page.screenshot({ path: '/tmp/dashboard-agent-problems.png', fullPage: true });

    // What only the server checks comes back as a 422 and shows beside its field too, never as a path.
    await page.locator('input[name="tools.transferNumber"]').fill('+91 98765 43210');
    expect(await transferError.count()).toBe(0);
    await page.locator('input[name="llm.model"]').fill('');
    await page.getByRole('button', { name: 'Create agent' }).first().click();
    const modelError = fieldOf('input[name="llm.model"]').locator('.field-error');
    await modelError.waitFor();
    expect(await modelError.innerText()).toBe('Language model cannot be blank');
    expect(await page.locator('.notice.error').innerText()).not.toContain('llm.model');
    await page.locator('input[name="llm.model"]').fill('gpt-4o-mini');

    // Turn-taking by what was said, speculating at a 150 ms pause.
    await page.locator('input[name="turn.completeness.enabled"]').check();
    await page.locator('input[name="turn.speculate"]').check();
    // The speculation's first sentence is synthesised ahead by default; this agent saves the characters.
    await page.locator('input[name="turn.speculateTts"]').uncheck();
    await page.locator('input[name="turn.completeness.probeSilenceMs"]').fill('150');
    // Barge-in by the words, the agent taking its sentence again after a backchannel.
    await page.locator('select[name="turn.bargeInMode"]').selectOption('pause');
    await page.locator('select[name="turn.resumeFrom"]').selectOption('sentence');

    await page.getByRole('button', { name: 'Create agent' }).first().click();
    await page.waitForURL(/#\/agents\/ag_[A-Za-z0-9_-]+$/);
    const agentId = decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');
    created.agentId = agentId;
    await page.locator('.page-header h1', { hasText: agentName }).waitFor();
    const stored = await apiGet<{
      name: string;
      prompt: string;
      tts: { model: string; speaker: string; pace: number };
      tools: { transferNumber: string | null };
      turn: {
        speculate: boolean;
        speculateTts: boolean;
        bargeInMode: string;
        resumeFrom: string;
        completeness: { enabled: boolean; probeSilenceMs: number };
      };
    }>(`/api/v1/agents/${agentId}`);
    expect(stored.name).toBe(agentName);
    expect(stored.prompt).toContain('Audexly Motors');
    expect(stored.tts).toMatchObject({ model: 'bulbul:v3', speaker: 'priya', pace: 1.5 });
    expect(stored.tools.transferNumber).toBe('+919876543210');
    expect(stored.turn).toMatchObject({
      speculate: true,
      speculateTts: false,
      bargeInMode: 'pause',
      resumeFrom: 'sentence',
      completeness: { enabled: true, probeSilenceMs: 150 },
    });
    await page.screenshot({ path: '/tmp/dashboard-agent.png', fullPage: true });
    await go('Agents');
    await page.locator('table tbody tr', { hasText: agentName }).waitFor();
    await page.screenshot({ path: '/tmp/dashboard-agents.png', fullPage: true });

    // Map a number to it, typed the way Exotel sends it (0-prefixed national).
    const digits = String(randomInt(10_000_000, 99_999_999));
    const e164 = `+9180${digits}`;
    await go('Numbers');
    await page.locator('input[name="number"]').fill(`080${digits}`);
    await page.locator('select[name="agentId"]').selectOption(agentId);
    await page.getByRole('button', { name: 'Add number' }).click();
    created.number = e164;
    const row = page.locator('[data-testid="numbers"] tbody tr', {
      hasText: `+91 80${digits.slice(0, 3)} ${digits.slice(3)}`,
    });
    await row.waitFor();
    expect(await row.locator('select').first().inputValue()).toBe(agentId);
    expect((await apiGet<{ agentId: string }>(`/api/v1/numbers/${encodeURIComponent(e164)}`)).agentId).toBe(agentId);
    await page.screenshot({ path: '/tmp/dashboard-numbers.png', fullPage: true });

    // A completed call to that number, as the recorder leaves it.
    const call: SeededCall = await seedCompletedCall(
      bus!,
      { id: agentId, name: agentName },
      { from: `+9198${String(randomInt(10_000_000, 99_999_999))}`, to: e164 },
    );
    created.callId = call.callId;
    await expect
      .poll(async () => (await apiGet<{ events: unknown[] }>(`/api/v1/calls/${call.callId}/events`)).events.length, {
        timeout: 10_000,
      })
      .toBe(call.events);

    // Find it in the list by its agent, and open it.
    await go('Calls');
    await page.getByLabel('Agent', { exact: true }).selectOption(agentId);
    await page.getByRole('button', { name: 'Apply' }).click();
    const callRow = page.locator('table.clickable tbody tr', { hasText: agentName });
    await page.locator('.card-header', { hasText: 'Call history' }).getByText('1 call', { exact: true }).waitFor();
    await expect.poll(() => page.locator('table.clickable tbody tr').count()).toBe(1);
    await callRow.waitFor();
    await page.screenshot({ path: '/tmp/dashboard-calls.png', fullPage: true });
    await callRow.click();
    await page.waitForURL(new RegExp(`#/calls/${call.callId}$`));

    // The transcript, the latency per turn, the error and the events.
    const lines = page.locator('[data-testid="transcript"] li');
    await expect.poll(() => lines.count()).toBe(call.record.transcript.length);
    for (const [i, line] of call.record.transcript.entries())
      expect(await lines.nth(i).locator('.line-text').innerText()).toBe(line.text);
    await expect.poll(() => page.locator('[data-testid="latency"] .latency-row').count()).toBe(3);
    await page.locator('[data-testid="errors"]', { hasText: 'AUDEXLY_ERR_TTS_UPSTREAM' }).waitFor();
    await expect.poll(() => page.locator('[data-testid="events"] tbody tr').count()).toBe(call.events);

    // The recording loads (fetched with the token) and has the call's length.
    await page.locator('audio[data-testid="recording"]').waitFor();
    await expect.poll(async () => (await audioState())?.readyState ?? 0).toBeGreaterThanOrEqual(1);
    expect((await audioState())!.duration).toBeCloseTo(call.record.durationMs / 1000, 0);

    // Click the caller's line: playback jumps there, and the highlight follows the audio to the agent's answer.
    const callerLine = call.record.transcript[1]!;
    const answerLine = call.record.transcript[2]!;
    const highlighted = page.locator('[data-testid="transcript"] li[aria-current="true"]');
    await lines.nth(1).click();
    await expect
      .poll(async () => {
        const state = await audioState();
        return state !== null && !state.paused && state.currentTime > callerLine.timelineMs / 1000 + 0.3;
      })
      .toBe(true);
    expect(await highlighted.locator('.line-text').innerText()).toBe(callerLine.text);
    await expect.poll(() => highlighted.locator('.line-text').innerText(), { timeout: 15_000 }).toBe(answerLine.text);
    expect((await audioState())!.currentTime).toBeGreaterThanOrEqual(answerLine.timelineMs / 1000 - 0.1);
    expect(await highlighted.count()).toBe(1);
    await page.screenshot({ path: '/tmp/dashboard-call.png', fullPage: true });
    await page.evaluate("document.querySelector('audio').pause()");

    // Telephony: secrets go in and never come back out.
    const apiToken = `exo-token-${randomUUID()}`;
    const accountSid = `audexly${randomUUID().slice(0, 8)}`;
    await go('Telephony');
    await page.getByRole('button', { name: 'Add Exotel account' }).click();
    await page.getByLabel('Name').fill('Production');
    await page.getByLabel('Account SID').fill(accountSid);
    await page.getByLabel('Region').selectOption('api.in.exotel.com');
    await page.getByLabel('API key').fill('exo-key-12345678');
    await page.getByLabel('API token').fill(apiToken);
    await page.getByRole('button', { name: 'Add account' }).click();
    const account = page.locator('table tbody tr', { hasText: accountSid });
    await account.waitFor();
    expect(await account.innerText()).toContain('…5678');
    created.telephonyId = (
      await apiGet<{ telephonyConfigs: { id: string; accountSid: string }[] }>('/api/v1/telephony-configs')
    ).telephonyConfigs.find((c) => c.accountSid === accountSid)?.id;
    expect(await page.content()).not.toContain(apiToken);
    await page.screenshot({ path: '/tmp/dashboard-telephony.png', fullPage: true });

    // System health answers from NATS.
    await go('System health');
    await page.locator('.card', { hasText: 'NATS' }).getByText('Connected').waitFor();
    await page.screenshot({ path: '/tmp/dashboard-system.png', fullPage: true });

    expect(consoleErrors).toEqual([]);
  }, 90_000);
});
