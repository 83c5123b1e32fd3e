import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './services.js';

/**
 * The Kubernetes base, rendered by `kubectl kustomize` as `kubectl apply -k` would, keeps the
 * properties that let it scale and drain without dropping calls (deploy/README.md, "Kubernetes").
 */
interface Probe {
  httpGet?: { path: string };
}
interface Container {
  lifecycle?: { preStop?: { exec?: { command?: string[] } } };
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: { cpu?: string }; limits?: { memory?: string } };
  env?: { name: string; value?: string }[];
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  containers: Container[];
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  spec?: {
    replicas?: number;
    template?: { spec: PodSpec };
    selector?: { matchLabels: Record<string, string> };
    scaleTargetRef?: { name: string };
    metrics?: { type: string; pods?: { metric: { name: string } } }[];
  };
  data?: Record<string, string>;
}

function kubectl(): string | null {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return 'kubectl';
  } catch {
    return null;
  }
}

const bin = kubectl();
if (!bin) console.warn('k8s manifest tests skipped: no kubectl on PATH (Debian: apt-get install kubernetes-client)');

describe.skipIf(!bin)('deploy/k8s, rendered', () => {
  const rendered = bin ? execFileSync(bin, ['kustomize', join(ROOT, 'deploy', 'k8s')], { encoding: 'utf8' }) : '';
  const all = parseAllDocuments(rendered).map((d) => d.toJS() as Manifest);
  // Audexly's six services (the base also deploys an OpenTelemetry Collector and Jaeger for traces).
  const SERVICES = ['api', 'gateway', 'llm', 'recorder', 'stt', 'tts'];
  const deployments = all.filter((m) => m.kind === 'Deployment' && SERVICES.includes(m.metadata.name));
  const config = all.find((m) => m.kind === 'ConfigMap' && m.metadata.name.startsWith('audexly-config'))!;
  const drainS = Number(config.data!.DRAIN_TIMEOUT_MS) / 1000;
  const pod = (d: Manifest): PodSpec => d.spec!.template!.spec;

  it('has the six services', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(SERVICES);
    expect(drainS).toBeGreaterThan(0);
  });

  it('gives every call-holding pod a grace period longer than its preStop plus its drain', () => {
    for (const d of deployments.filter((d) => d.metadata.name !== 'api')) {
      const spec = pod(d);
      const container = spec.containers[0]!;
      const preStop = container.lifecycle?.preStop?.exec?.command;
      expect(preStop, `${d.metadata.name} preStop`).toEqual(['sleep', expect.any(String)]);
      const grace = spec.terminationGracePeriodSeconds ?? 30;
      expect(grace, `${d.metadata.name} grace`).toBeGreaterThanOrEqual(Number(preStop![1]) + drainS + 5);
    }
  });

  it('probes and sizes every container', () => {
    for (const d of deployments) {
      const container = pod(d).containers[0]!;
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const)
        expect(container[probe], `${d.metadata.name} ${probe}`).toBeDefined();
      expect(container.resources?.requests?.cpu, `${d.metadata.name} cpu request`).toBeDefined();
      expect(container.resources?.limits?.memory, `${d.metadata.name} memory limit`).toBeDefined();
    }
  });

  it('has a disruption budget and an autoscaler for every service, on active calls where it holds calls', () => {
    const budgets = all.filter((m) => m.kind === 'PodDisruptionBudget');
    const scalers = all.filter((m) => m.kind === 'HorizontalPodAutoscaler');
    for (const d of deployments) {
      const name = d.metadata.name;
      const selects = (m: Manifest) => m.spec?.selector?.matchLabels['app.kubernetes.io/name'] === name;
      expect(budgets.filter(selects), `${name} budget`).toHaveLength(1);
      const scaler = scalers.find((s) => s.spec?.scaleTargetRef?.name === name);
      expect(scaler, `${name} autoscaler`).toBeDefined();
      if (name === 'api') continue;
      const metrics = scaler!.spec?.metrics ?? [];
      expect(metrics.find((m) => m.type === 'Pods')?.pods?.metric.name, `${name} scales on`).toMatch(/active_calls$/);
    }
  });

  it("runs the gateway without V8's helper threads, which would compete with its audio pacing", () => {
    const gateway = deployments.find((d) => d.metadata.name === 'gateway')!;
    const env = pod(gateway).containers[0]!.env ?? [];
    expect(env.find((e) => e.name === 'NODE_ARGS')?.value).toBe('--single-threaded --heap-growing-percent=100');
  });

  it('runs NATS as a three-node JetStream cluster, streams replicated, every server given to the services', () => {
    const nats = all.find((m) => m.kind === 'StatefulSet' && m.metadata.name === 'nats')!;
    expect(nats.spec!.replicas).toBe(3);
    const natsConf = all.find((m) => m.kind === 'ConfigMap' && m.metadata.name.startsWith('nats-config'))!.data![
      'nats.conf'
    ]!;
    expect(natsConf).toMatch(/cluster \{/);
    for (const i of [0, 1, 2]) expect(natsConf).toContain(`nats://nats-${i}.nats-headless:6222`);
    expect(config.data!.JETSTREAM_REPLICAS).toBe('3');
    expect(config.data!.NATS_URL!.split(',')).toHaveLength(3);
  });
});
