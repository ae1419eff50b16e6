/** What a benchmark suite is and what it hands back to the report. */
import type { SyntheticRegimeName } from '@trajectorynet/training';

export interface Table {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  /** A sentence under the table: how to read it, caveats. */
  note?: string;
}

export interface SuiteResult {
  tables: Table[];
  /** SVG files to write next to the report: name -> SVG text. */
  charts: Record<string, string>;
  /** Every number, for the JSON file. */
  data: unknown;
}

export interface SuiteContext {
  quick: boolean;
  /** Where the suite may write extra files (flow images, caches). */
  outDir: string;
  /** One progress line on stderr. */
  progress(message: string): void;
  /** The test data folder (--data), for the suites that say `needsData`; checked before any suite runs. */
  dataDir?: string;
  /** `pretrain-motionnet` runs (folders or .ckpt): the first replaces the motionnet suite's pretraining recipe, the others are compared on the same pairs (--motionnet-checkpoint). */
  motionnetCheckpoint?: string[];
  /** The motionnet suite's comparison with PyTorch alone: no forward-speed table, pretraining or EPE (--motionnet-pytorch-only). */
  motionnetPytorchOnly?: boolean;
  /** Accuracy study budget overrides (--accuracy-*). */
  /** Distributed suite settings (--distributed-*). */
  distributed?: { batch?: number; steps?: number; accumulate?: number; rates?: string[] };
  accuracy?: { seeds?: number; epochs?: number; clips?: number; valClips?: number; models?: string[]; sampling?: string[]; motionnetCheckpoint?: string; reportOnly?: boolean; onlySeeds?: number[]; regime?: SyntheticRegimeName };
}

export interface Suite {
  name: string;
  description: string;
  /** Whether it reads the test data (data.ts: DATA_FILES). */
  needsData?: boolean;
  run(context: SuiteContext): Promise<SuiteResult>;
}
