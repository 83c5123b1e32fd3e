/**
 * Header names carried by binary audio messages (`call.<id>.audio.*`). Values are decimal strings.
 * Audio never travels as base64 in JSON past the gateway.
 */
export const AudioHeader = {
  /** Monotonic per publisher and call, from 0. */
  seq: 'Audexly-Seq',
  /** Position of the first sample on the call timeline, ms since the gateway accepted `start`. */
  timelineMs: 'Audexly-Timeline-Ms',
  /** Sample rate of the payload in Hz. */
  sampleRate: 'Audexly-Sample-Rate',
  /** Agent turn the audio belongs to (audio.out / audio.sent). */
  turn: 'Audexly-Turn',
  /** Segment (sentence) within the turn. */
  segment: 'Audexly-Segment',
  /** `1` on the message that ends a segment (its payload may be empty). */
  last: 'Audexly-Last',
  /**
   * audio.out, optional: on the first audio message of a segment the TTS provider synthesised, the
   * ms from the request to the provider's first audio (time spent inside the provider).
   */
  providerMs: 'Audexly-Provider-Ms',
  /**
   * audio.out: the stage instance that published the audio (its claim's `instanceId`). After a
   * failover the gateway plays audio only from the instance that holds the call's TTS claim, so a
   * stale instance that comes back cannot speak over the new one. A text value, not decimal.
   */
  instance: 'Audexly-Instance',
} as const;
export type AudioHeaderName = (typeof AudioHeader)[keyof typeof AudioHeader];
