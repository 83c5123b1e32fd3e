import { startFakeOpenAI, startFakeSarvam, speechFixture } from '@audexly/testing';
import { printCallReport } from './call-report.js';
import { startPlatform } from './platform.js';
import { runSimulatedCall } from './simulated-call.js';

/** What the fake STT hears in the two fixture recordings, in order. */
const SCRIPTED_TRANSCRIPTS = ['Go forward ten meters.', 'My number is thirty three ninety two.'];

/**
 * `npm run demo`: the platform on fake Sarvam and OpenAI servers (no keys, no internet), one
 * simulated Exotel call with real recorded speech, then the transcript, latencies and where the
 * recording and call record are. Keeps running for a look around until Ctrl-C; `--exit` (or CI=true)
 * stops after the call.
 */
async function main(): Promise<void> {
  const exitAfterCall = process.argv.includes('--exit') || process.env.CI === 'true';
  const sarvam = await startFakeSarvam({
    apiKey: 'demo-sarvam-key',
    transcripts: [...SCRIPTED_TRANSCRIPTS],
    sttLatencyMs: 150,
    ttsFirstByteMs: 200,
  });
  const openai = await startFakeOpenAI({ apiKey: 'demo-openai-key', firstTokenMs: 350, tokenDelayMs: 15 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SARVAM_API_KEY: 'demo-sarvam-key',
    SARVAM_BASE_URL: sarvam.url,
    OPENAI_API_KEY: 'demo-openai-key',
    OPENAI_BASE_URL: openai.url,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  const closeFakes = () => Promise.all([sarvam.close(), openai.close()]);
  let platform;
  try {
    platform = await startPlatform({ env });
  } catch (err) {
    await closeFakes();
    throw err;
  }
  platform.say(
    `fake Sarvam at ${sarvam.url}, fake OpenAI at ${openai.url} (realistic latencies: STT 150 ms, first token 350 ms, TTS first byte 200 ms)`,
  );
  const shutdown = async (code: number) => {
    await platform.stop();
    await closeFakes();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  let ok = false;
  try {
    const audio = [speechFixture('goforward', 8000), speechFixture('numbers', 8000)];
    platform.say(
      `placing a simulated Exotel call: 2 caller turns of recorded speech (${audio.map((a) => a.split('/').pop()).join(', ')})`,
    );
    const report = await runSimulatedCall(env, audio);
    printCallReport(report, (line) => platform.say(line));
    ok = report.violations.length === 0 && report.record !== undefined;
  } catch (err) {
    platform.say(`the simulated call failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (exitAfterCall || !ok) return shutdown(ok ? 0 : 1);
  platform.say(
    'the platform keeps running: call it again with `npm run call` in another terminal. Ctrl-C stops everything.',
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
