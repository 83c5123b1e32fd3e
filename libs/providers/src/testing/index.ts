export { FakeStt, type FakeSttOptions, type FakeTranscript, type FakeSttSessionRecord } from './fake-stt.js';
export { FakeTts, type FakeTtsOptions } from './fake-tts.js';
export { FakeLlm, type FakeLlmOptions, type FakeLlmReply } from './fake-llm.js';
