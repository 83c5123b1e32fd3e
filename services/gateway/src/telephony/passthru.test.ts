import { describe, expect, it } from 'vitest';
import { parsePassthru } from './passthru.js';

const AT = 1_700_000_000_000;

describe('Passthru stream outcome (exotel.md §6.1)', () => {
  it('reads the bracketed Stream[...] query fields', () => {
    const report = parsePassthru(
      {
        CallSid: '37ad7a2adfda919720942210af293270',
        flow_id: '123',
        'Stream[StreamSID]': '6f048d2e897a0d2d4029560f3f541947',
        'Stream[Status]': 'completed',
        'Stream[Duration]': '28',
        'Stream[RecordingUrl]': 'https://recordings.exotel.com/exotelrecordings/acme/x.mp3',
        'Stream[StreamUrl]': 'wss://gw.example.com/api/v1/telephony/exotel/stream',
        'Stream[DisconnectedBy]': 'bot',
      },
      AT,
    );
    expect(report).toEqual({
      callSid: '37ad7a2adfda919720942210af293270',
      outcome: {
        status: 'completed',
        durationS: 28,
        disconnectedBy: 'bot',
        recordingUrl: 'https://recordings.exotel.com/exotelrecordings/acme/x.mp3',
        streamSid: '6f048d2e897a0d2d4029560f3f541947',
        receivedAt: AT,
      },
    });
  });

  it('reads the one-parameter JSON form Stream={...}', () => {
    const report = parsePassthru(
      {
        CallSid: 'abc',
        Stream: JSON.stringify({
          StreamSID: 's1',
          RecordingUrl: 'https://r/x.mp3',
          Status: 'completed',
          Duration: '7',
          DisconnectedBy: 'user',
        }),
      },
      AT,
    );
    expect(report.outcome).toEqual({
      status: 'completed',
      durationS: 7,
      disconnectedBy: 'user',
      recordingUrl: 'https://r/x.mp3',
      streamSid: 's1',
      receivedAt: AT,
    });
  });

  it("reads [DEV]'s lowercase JSON body", () => {
    const report = parsePassthru(
      { callsid: 'abc', streamsid: 's2', status: 'failed', duration: 0, recordingurl: '', disconnectedby: 'system' },
      AT,
    );
    expect(report).toEqual({
      callSid: 'abc',
      outcome: {
        status: 'failed',
        durationS: 0,
        disconnectedBy: 'system',
        recordingUrl: null,
        streamSid: 's2',
        receivedAt: AT,
      },
    });
  });

  it('leaves absent or unusable fields null', () => {
    expect(parsePassthru({ 'Stream[Duration]': 'soon', Stream: '{not json' }, AT)).toEqual({
      callSid: null,
      outcome: {
        status: null,
        durationS: null,
        disconnectedBy: null,
        recordingUrl: null,
        streamSid: null,
        receivedAt: AT,
      },
    });
  });
});
