/** Machine-wide CPU use from /proc/stat (Linux), to say how busy the shared machine was during a run. */
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';

interface CpuTimes {
  busy: number;
  total: number;
}

function read(): CpuTimes {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Starts measuring; the returned function gives the busy share of all cores since then (0..1). */
export function measureMachineLoad(): () => { busyShare: number; cores: number } {
  const start = read();
  return () => {
    const end = read();
    const total = end.total - start.total;
    return { busyShare: total > 0 ? (end.busy - start.busy) / total : 0, cores: cpus().length };
  };
}
