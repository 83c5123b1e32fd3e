import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';

const run = promisify(execFile);

// Testcontainers' reaper (Ryuk) is an image from a registry, which this machine cannot reach; the
// tests stop what they start themselves.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

/** The NATS image deploy/images/build-offline.sh builds (Debian's nats-server): nothing is pulled. */
export const NATS_IMAGE = process.env.NATS_IMAGE ?? 'audexly/nats:latest';

/**
 * Why the cluster tests cannot run here, or null when they can: a Docker engine must answer and
 * the NATS image must be built locally (there is no registry to pull it from).
 */
export async function dockerUnavailable(): Promise<string | null> {
  try {
    await run('docker', ['image', 'inspect', NATS_IMAGE], { timeout: 10_000 });
    return null;
  } catch (err) {
    const text = String((err as { stderr?: string }).stderr ?? err);
    if (/No such image/i.test(text))
      return `${NATS_IMAGE} is not built: run \`bash deploy/images/build-offline.sh nats\``;
    return `no Docker engine answers (${text.split('\n')[0]}); start one with deploy/docker-engine.sh`;
  }
}

export interface NatsNode {
  name: string;
  container: StartedTestContainer;
  /** Client URL on the host. */
  url: string;
}

export interface NatsCluster {
  nodes: NatsNode[];
  /** Every node's client URL, comma separated (for NATS_URL). */
  url: string;
  network: StartedNetwork;
  /** Cuts a node off the cluster's network (its clients on the host keep their port mapping). */
  partition(node: NatsNode): Promise<void>;
  /** Puts a partitioned node back on the cluster's network. */
  heal(node: NatsNode): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Three NATS servers with JetStream in one cluster, in containers on their own bridge network, each
 * client port published on the host. `--no_advertise`: the servers do not gossip their container
 * addresses to clients, who keep to the URLs they were given.
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const network = await new Network().start();
  const names = Array.from({ length: size }, (_, i) => `n${i + 1}`);
  const routes = names.map((n) => `nats://${n}:6222`).join(',');
  const containers = await Promise.all(
    names.map((name) =>
      new GenericContainer(NATS_IMAGE)
        .withNetwork(network)
        .withNetworkAliases(name)
        .withCommand([
          '--server_name',
          name,
          '-js',
          '-sd',
          '/data',
          '-m',
          '8222',
          '--cluster_name',
          'audexly',
          '--cluster',
          'nats://0.0.0.0:6222',
          '--routes',
          routes,
          '--no_advertise',
        ])
        .withExposedPorts(4222, 8222)
        // Ready once the server and its JetStream are current (the cluster formed, a meta leader).
        .withWaitStrategy(Wait.forHttp('/healthz', 8222).forStatusCode(200))
        .withStartupTimeout(60_000)
        .start(),
    ),
  );
  const nodes = containers.map((container, i) => ({
    name: names[i]!,
    container,
    url: `nats://${container.getHost()}:${container.getMappedPort(4222)}`,
  }));
  const networkName = network.getName();
  return {
    nodes,
    url: nodes.map((n) => n.url).join(','),
    network,
    async partition(node) {
      await run('docker', ['network', 'disconnect', networkName, node.container.getId()]);
    },
    async heal(node) {
      await run('docker', ['network', 'connect', '--alias', node.name, networkName, node.container.getId()]);
    },
    async stop() {
      await Promise.allSettled(containers.map((c) => c.stop({ timeout: 1000 })));
      await network.stop().catch(() => undefined);
    },
  };
}
