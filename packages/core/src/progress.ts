/**
 * Progress of a long job: a bar (with rate and ETA) on a terminal, plain
 * lines at most every few seconds otherwise (CI logs, pipes).
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /**
   * `done` units out of the total; `fields` are shown after the bar (e.g. loss, lr).
   * `rate`: units per second the caller measured (e.g. a training loop's step time); without it
   * the rate is inferred from the updates, which needs two of them.
   */
  update(done: number, fields?: Record<string, string | number>, rate?: number): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  /** What one unit is, for the rate ("clips", "pairs"). */
  unit: string;
  stream?: NodeJS.WriteStream;
  /** Non-TTY: the minimum time between two lines. */
  lineIntervalMs?: number;
}

function formatFields(fields: Record<string, string | number>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4).replace(/\.?0+$/, '') : v.toExponential(2)) : v}`)
    .join('  ');
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  // the rate counts from the first update, not from 0: a resumed job's first update already carries the units done before it
  let first: { time: number; done: number } | null = null;
  const rateAndEta = (done: number, measured?: number) => {
    const now = Date.now();
    first ??= { time: now, done };
    const inferred = now > first.time && done > first.done ? (1000 * (done - first.done)) / (now - first.time) : null;
    const rate = measured != null && Number.isFinite(measured) && measured > 0 ? measured : inferred;
    return { rate: rate == null ? '?' : rate.toFixed(2), eta: rate == null ? Number.POSITIVE_INFINITY : (options.total - done) / rate };
  };

  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${options.label} |{bar}| {value}/{total} {fields}  {rate} ${options.unit}/s  ETA {etaText}`,
        stream,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(options.total, 0, { fields: '', rate: '0', etaText: '?' });
    return {
      update(done, fields = {}, measured) {
        const { rate, eta } = rateAndEta(done, measured);
        bar.update(done, { fields: formatFields(fields), rate, etaText: formatDuration(eta) });
      },
      stop: () => bar.stop(),
    };
  }

  const interval = options.lineIntervalMs ?? 5000;
  let lastLine = 0;
  let last = { done: 0, fields: {} as Record<string, string | number>, measured: undefined as number | undefined };
  const print = () => {
    const { rate, eta } = rateAndEta(last.done, last.measured);
    stream.write(
      `${options.label} ${last.done}/${options.total} ${formatFields(last.fields)} ${rate} ${options.unit}/s ETA ${formatDuration(eta)}\n`,
    );
    lastLine = Date.now();
  };
  return {
    update(done, fields = {}, measured) {
      last = { done, fields, measured };
      if (Date.now() - lastLine >= interval || done === options.total) print();
    },
    stop() {
      if (lastLine === 0 || last.done !== options.total) print();
    },
  };
}
