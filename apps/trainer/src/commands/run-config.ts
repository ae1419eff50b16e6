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

/**
 * The resolved config; `resumeDir` (the folder a resumed run continues, or the checkpoint's folder)
 * supplies config.json when neither --config nor --preset is given.
 */
export async function runConfig(o: ConfigFlags, options: { resumeDir?: string; warn: (message: string) => void }): Promise<{ config: TrainConfig; source: string }> {
  let file = o.config;
  let source = o.config ?? (o.preset != null ? `preset ${o.preset}` : 'defaults');
  if (file == null && o.preset == null && options.resumeDir != null) {
    const own = path.join(options.resumeDir, CONFIG_FILE);
    if (!existsSync(own)) throw new TrainingError('BAD_INPUT', `has no ${CONFIG_FILE} to resume with: give the run's --config or --preset`, { path: options.resumeDir });
    file = own;
    source = own;
  }
  return { config: await resolveConfig({ file, preset: o.preset, overrides: overridesOf(o) }, { warn: options.warn }), source };
}
