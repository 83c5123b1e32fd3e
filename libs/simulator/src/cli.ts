#!/usr/bin/env node
/**
 * `npm run call -- [--audio file.wav]... [--url ws://…/stream] [--rate 8000] [--out agent.wav] [--api http://127.0.0.1:3010]`
 * Calls the gateway as Exotel would and prints per-turn latency; exits non-zero on protocol
 * violations.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { encodeWav } from '@audexly/audio';
import { speechFixture } from '@audexly/testing';
import { apiReachable, fetchCallRecord } from './call-record.js';
import { formatReport } from './report.js';
import { simulateCall } from './simulate-call.js';

const USAGE = `usage: node libs/simulator/dist/cli.js [--audio file.wav]... [--url ws://127.0.0.1:8000/api/v1/telephony/exotel/stream]
       [--rate 8000|16000|24000] [--out agent.wav] [--api http://127.0.0.1:3010] [--no-greeting] [--timeout 30000]`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      audio: { type: 'string', multiple: true, default: [] },
      url: { type: 'string', default: 'ws://127.0.0.1:8000/api/v1/telephony/exotel/stream' },
      rate: { type: 'string', default: '8000' },
      out: { type: 'string' },
      api: { type: 'string', default: 'http://127.0.0.1:3010' },
      'no-greeting': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '30000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const rate = Number(values.rate);
  if (rate !== 8000 && rate !== 16000 && rate !== 24000) {
    console.error(`--rate must be 8000, 16000 or 24000\n${USAGE}`);
    return 2;
  }
  // Without --audio the caller says "go forward ten meters" (a real recording) once.
  const audio = values.audio.length > 0 ? values.audio : [speechFixture('goforward', rate === 8000 ? 8000 : 16000)];
  const result = await simulateCall({
    url: values.url,
    audio,
    sampleRate: rate,
    expectGreeting: !values['no-greeting'],
    answerTimeoutMs: Number(values.timeout),
    log: (line) => console.log(`· ${line}`),
  });
  console.log(`\n${formatReport(result)}`);
  if (values.out) {
    await writeFile(values.out, encodeWav(result.agentPcm, result.sampleRate));
    console.log(`\nwhat the caller heard: ${values.out}`);
  }
  if (values.api) {
    if (await apiReachable(values.api)) {
      const record = await fetchCallRecord({
        api: values.api,
        callId: result.callId,
        token: process.env.AUDEXLY_API_TOKEN,
      });
      if (record) {
        console.log('\ntranscript:');
        for (const e of record.transcript) console.log(`  ${e.role.padEnd(9)} ${e.text}`);
        console.log(`\nrecording: ${new URL(`/api/v1/calls/${result.callId}/recording`, values.api).toString()}`);
      } else {
        console.log(`\nno call record for ${result.callId} yet at ${values.api}`);
      }
    } else {
      console.log(`\nAPI not reachable at ${values.api}; skipping the transcript`);
    }
  }
  return result.violations.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
