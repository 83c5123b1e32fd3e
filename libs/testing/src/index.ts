export { startFakeSarvam, type FakeSarvam } from './fake-sarvam/server.js';
export { fixtureTranscripts, speechFixtureRecordings, type KnownRecording } from './fake-sarvam/fixture-transcripts.js';
export {
  defaultTranscript,
  fakeSarvamDefaults,
  type FakeSarvamOptions,
  type SarvamEndpoint,
  type SarvamFailure,
  type SarvamRequestLog,
  type SentTranscript,
  type SilentFlushAnswer,
  type TranscriptFn,
} from './fake-sarvam/types.js';
export { startFakeOpenAI, type FakeOpenAI } from './fake-openai/server.js';
export {
  defaultReply,
  type ChatMessage,
  type FakeOpenAIOptions,
  type FakeReply,
  type FakeToolCall,
  type OpenAIFailure,
  type OpenAIRequestLog,
} from './fake-openai/types.js';
export { synthesizeSpeech, espeakVoiceFor, type SpeechRequest } from './espeak.js';
export {
  SPEECH_FIXTURES,
  speechFixture,
  loadSpeechFixture,
  fixtureWords,
  type SpeechFixtureName,
  type FixtureWord,
  type FixtureWords,
} from './speech-fixtures.js';
export { startFakeS3, type FakeS3 } from './fake-s3/server.js';
export type { FakeS3Object, FakeS3Options, S3RequestLog } from './fake-s3/types.js';
export { startFakeExotel, type FakeExotel } from './fake-exotel/server.js';
export type {
  ExotelRequestLog,
  FakeExotelAccount,
  FakeExotelCall,
  FakeExotelOptions,
  StatusCallbackEvent,
} from './fake-exotel/types.js';
export { seededRandom, randomBelow } from './seeded-random.js';
export { COMPLETE_UTTERANCES, UNFINISHED_UTTERANCES } from './turn-utterances.js';
export { startOwnedNats, natsServerBinary, type OwnedNats } from './owned-nats.js';
