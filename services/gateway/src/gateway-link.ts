import { connectBus, provisionJetStream, type Bus } from '@audexly/bus';
import type { AgentConfig } from '@audexly/protocol';
import type { Logger } from '@audexly/telemetry';
import { AgentDirectory } from './agent-directory.js';
import { kvBindingSource, OutboundBindings } from './auth/outbound-binding.js';
import type { GatewayConfig } from './config.js';
import { NatsLinkWatch } from './nats-link.js';
import { StageWatch } from './stage-watch.js';
import { PassthruStore } from './telephony/passthru.js';
import type { TelephonyBackends } from './telephony/routes.js';
import { TransferStore } from './telephony/transfers.js';

/**
 * The gateway's NATS side, opened once the HTTP server listens: the connection, the watches that
 * start with it (stage heartbeats for failover, the link as call audio sees it), and the stores
 * Exotel's endpoints read.
 */
export class GatewayLink {
  private constructor(
    readonly bus: Bus,
    readonly backends: TelephonyBackends,
    /** Stage heartbeats, one subscription for the process (failover re-claims); absent with FAILOVER=false. */
    readonly stageWatch: StageWatch | undefined,
    /** The NATS link as call audio sees it (outages, the capture stream back); absent with FAILOVER=false. */
    readonly natsLink: NatsLinkWatch | undefined,
  ) {}

  /** Connects (waiting for NATS as long as it takes), provisions JetStream, starts the watches. */
  static async open(config: Readonly<GatewayConfig>, defaultAgent: AgentConfig, log: Logger): Promise<GatewayLink> {
    const bus = await connectBus({
      servers: config.NATS_URL,
      name: `audexly-gateway${config.INSTANCE_ID ? `-${config.INSTANCE_ID}` : ''}`,
      log,
    });
    await provisionJetStream(bus, { replicas: config.JETSTREAM_REPLICAS });
    let stageWatch: StageWatch | undefined;
    let natsLink: NatsLinkWatch | undefined;
    if (config.FAILOVER) {
      stageWatch = new StageWatch(bus, log);
      stageWatch.start();
      natsLink = new NatsLinkWatch(bus, log);
      natsLink.start();
    }
    // Ready only once the server has this connection's subscriptions.
    await bus.flush();
    const backends: TelephonyBackends = {
      agents: new AgentDirectory(bus, defaultAgent, log, config.AGENT_CACHE_MS),
      transfers: new TransferStore(bus),
      passthru: new PassthruStore(bus),
      outboundBindings: new OutboundBindings(kvBindingSource(bus)),
    };
    return new GatewayLink(bus, backends, stageWatch, natsLink);
  }

  /** Stops the watches, then lets in-flight messages finish and closes the connection. */
  async close(): Promise<void> {
    this.stageWatch?.stop();
    this.natsLink?.stop();
    await this.bus.drain();
  }
}
