export { InMemoryCall, type InMemoryCallOptions, type PublishedEvent } from './in-memory-call.js';
