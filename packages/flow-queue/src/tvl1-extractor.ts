/** The real extractor: tvl1-flow's extractFlow with one worker pool for the life of the worker process. */
import { createFlowPool, extractFlow, type FlowPool } from '@trajectorynet/tvl1-flow';
import type { Extractor } from './worker.js';

export function tvl1Extractor(options: { workers?: number } = {}): Extractor & { close(): Promise<void> } {
  let pool: FlowPool | null = null;
  const extract: Extractor = async (input, outDir, settings, onProgress) => {
    pool ??= createFlowPool(options.workers);
    const result = await extractFlow(input, outDir, {
      format: settings.format,
      naming: settings.naming,
      bound: settings.bound,
      resize: settings.resize,
      tvl1: { preset: settings.tvl1 ?? 'accurate' },
      pool,
      onProgress,
    });
    return { pairs: result.pairs };
  };
  return Object.assign(extract, { close: async () => pool?.close() });
}
