/**
 * The config of a `train` run from its flags: a preset and/or a file, then
 * --set flags and the shorthand options (--seed, --keep, --init-from). A run
 * resumed without --config or --preset reuses its own config.json, so that
 * `train --out runs/a --resume` continues the run as it was started.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE, resolveConfig, type TrainConfig, TrainingError } from '@trajectorynet/training';

export interface ConfigFlags {
  config?: string;
  preset?: string;
  set: string[];
  seed?: number;
  keep?: number;
  initFrom?: string;
}

/** The --set assignments the shorthand options stand for, after the user's own. */
export function overridesOf(o: ConfigFlags): string[] {
  return [
    ...o.set,
    ...(o.initFrom != null ? [`train.initFrom=${JSON.stringify(o.initFrom)}`] : []),
    ...(o.seed != null ? [`train.seed=${o.seed}`] : []),
    ...(o.keep != null ? [`train.keep=${o.keep}`] : []),
  ];
}

/** The default run folder, as mmaction's work_dirs/<config name>: the config file's name, else the preset's. */
export function defaultWorkDir(o: Pick<ConfigFlags, 'config' | 'preset'>): string {
  const name = o.config != null ? path.basename(o.config, path.extname(o.config)) : (o.preset ?? 'run');
  return path.join('work_dirs', name);
}

/** The first dotted key (in `a`'s order, then `b`'s) whose values differ, or null. */
function firstDifference(a: unknown, b: unknown, at = ''): { key: string; was: unknown; now: unknown } | null {
  const isObject = (v: unknown): v is Record<string, unknown> => v != null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = firstDifference(a[key], b[key], at === '' ? key : `${at}.${key}`);
      if (found != null) return found;
    }
    return null;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? null : { key: at, was: a, now: b };
}

/**
 * A checkpoint continues only the model it was saved from: refuses, before any work, a --config or
 * --preset whose model differs from the run's own config.json (the weights would not fit, after
 * minutes of flow extraction, with a message about a missing weight).
 */
async function checkSameModel(resumeDir: string, config: TrainConfig, source: string): Promise<void> {
  const own = path.join(resumeDir, CONFIG_FILE);
  if (!existsSync(own)) return;
  // resolved, so that keys added since the run was started take their defaults on both sides
  const saved = await resolveConfig({ file: own }, { warn: () => {} });
  const diff = firstDifference(saved.model, config.model, 'model');
  if (diff == null) return;
  const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));
  throw new TrainingError(
    'BAD_CONFIG',
    `was trained with ${diff.key}=${show(diff.was)} but ${source} has ${diff.key}=${show(diff.now)}: a resumed run keeps its model (drop --config/--preset to continue with the run's own ${CONFIG_FILE}, or start a new run from its weights with --init-from)`,
    { path: own },
  );
}

/**
 * The resolved config; `resumeDir` (the folder a resumed run continues, or the checkpoint's folder)
 * supplies config.json when neither --config nor --preset is given. When a checkpoint is resumed
 * (`resuming`) with another config, its model must be the run's own.
 */
export async function runConfig(
  o: ConfigFlags,
  options: { resumeDir?: string; resuming?: boolean; warn: (message: string) => void },
): Promise<{ config: TrainConfig; source: string }> {
  let file = o.config;
  let source = o.config ?? (o.preset != null ? `preset ${o.preset}` : 'defaults');
  if (file == null && o.preset == null && options.resumeDir != null) {
    const own = path.join(options.resumeDir, CONFIG_FILE);
    if (!existsSync(own)) throw new TrainingError('BAD_INPUT', `has no ${CONFIG_FILE} to resume with: give the run's --config or --preset`, { path: options.resumeDir });
    file = own;
    source = own;
  }
  const config = await resolveConfig({ file, preset: o.preset, overrides: overridesOf(o) }, { warn: options.warn });
  if (options.resuming && options.resumeDir != null && file !== path.join(options.resumeDir, CONFIG_FILE)) await checkSameModel(options.resumeDir, config, source);
  return { config, source };
}
