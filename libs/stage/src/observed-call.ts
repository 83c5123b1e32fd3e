import type { AnyEvent } from '@audexly/protocol';
import type { CallPort } from './call-port.js';

/**
 * The same call port, except that every event published through it is shown to `observe` after it
 * went out (a stage's spans are derived from what it publishes: stt's `stt.utterance` from
 * `speech.started` to `speech.final`). Everything else reaches the port itself.
 */
export function observePublishes<P extends CallPort>(call: P, observe: (event: AnyEvent) => void): P {
  const publish: CallPort['publish'] = (family, event) => {
    const published = call.publish(family, event);
    observe(published);
    return published;
  };
  return new Proxy(call, {
    get(target, key) {
      if (key === 'publish') return publish;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
