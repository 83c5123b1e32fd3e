import { BUCKETS, openBucket, type Bus } from '@audexly/bus';
import { isOutboundBindingKey, outboundBindingSchema } from '@audexly/protocol';
import type { Logger } from '@audexly/telemetry';
import { storedAgentSchema } from './agent-schemas.js';
import { JsonBucket } from './json-bucket.js';
import { numberRouteSchema } from './number-route.js';
import { outboundCallSchema, passthruSchema } from './outbound-call.js';
import { storedTelephonySchema } from './telephony-config.js';

/** The KV buckets the API reads and writes, each with the schema of its values. */
export interface StateBuckets {
  agents: JsonBucket<typeof storedAgentSchema>;
  numbers: JsonBucket<typeof numberRouteSchema>;
  telephony: JsonBucket<typeof storedTelephonySchema>;
  outbound: JsonBucket<typeof outboundCallSchema>;
  /** In KV `outbound` too, under `ref.<ref>`: which call each outbound stream token admits (the gateway reads them). */
  outboundBindings: JsonBucket<typeof outboundBindingSchema>;
  passthru: JsonBucket<typeof passthruSchema>;
}

export async function openStateBuckets(bus: Bus, log: Logger): Promise<StateBuckets> {
  const [agents, numbers, telephony, outbound, passthru] = await Promise.all([
    openBucket(bus, BUCKETS.agents),
    openBucket(bus, BUCKETS.numbers),
    openBucket(bus, BUCKETS.telephony),
    openBucket(bus, BUCKETS.outbound),
    openBucket(bus, BUCKETS.passthru),
  ]);
  return {
    agents: new JsonBucket(BUCKETS.agents, agents, storedAgentSchema, log),
    numbers: new JsonBucket(BUCKETS.numbers, numbers, numberRouteSchema, log),
    telephony: new JsonBucket(BUCKETS.telephony, telephony, storedTelephonySchema, log),
    outbound: new JsonBucket(BUCKETS.outbound, outbound, outboundCallSchema, log, (key) => !isOutboundBindingKey(key)),
    outboundBindings: new JsonBucket(BUCKETS.outbound, outbound, outboundBindingSchema, log, isOutboundBindingKey),
    passthru: new JsonBucket(BUCKETS.passthru, passthru, passthruSchema, log),
  };
}
