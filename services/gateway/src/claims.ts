import { STAGES, type CallDescriptor, type Stage } from '@audexly/protocol';
import { claimStage, type Bus, type ClaimResult } from '@audexly/bus';

/** Asks one instance of a stage to take a call (tests replace it to isolate themselves). */
export type ClaimFunction = (
  stage: Stage,
  call: CallDescriptor,
  options?: { reclaim?: boolean },
) => Promise<ClaimResult>;

export interface ClaimAllResult {
  ok: boolean;
  results: ClaimResult[];
  /** The stages that could not be claimed. */
  failed: Extract<ClaimResult, { ok: false }>[];
}

/** The default claim: `svc.<stage>.claim`, or `subjectFor(stage)` when given. */
export function busClaim(
  bus: Bus,
  options: { timeoutMs?: number; subjectFor?: (stage: Stage) => string } = {},
): ClaimFunction {
  return (stage, call, claim) =>
    claimStage(bus, stage, call, {
      timeoutMs: options.timeoutMs,
      subject: options.subjectFor?.(stage),
      reclaim: claim?.reclaim,
    });
}

/**
 * Claims stt, llm, tts and recorder in parallel. A claim that throws counts as a failure of its
 * stage (reason `timeout`), so one broken stage never leaves the call hanging.
 */
export async function claimAll(claim: ClaimFunction, call: CallDescriptor): Promise<ClaimAllResult> {
  const results = await Promise.all(
    STAGES.map(async (stage): Promise<ClaimResult> => {
      try {
        return await claim(stage, call);
      } catch {
        return { ok: false, stage, reason: 'timeout' };
      }
    }),
  );
  const failed = results.filter((r): r is Extract<ClaimResult, { ok: false }> => !r.ok);
  return { ok: failed.length === 0, results, failed };
}
