/**
 * Resolves the config of a run: preset, then the user's JSON/YAML file, then
 * `--set key.path=value` flags, each overriding the one before; validated as a
 * whole so that an error names the offending key.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { TrainingError } from '../errors.js';
import { ignoredKeys } from './checks.js';
import { PRESET_NAMES, presetConfig } from './presets.js';
import { ConfigSchema, type TrainConfig } from './schema.js';

type Plain = Record<string, unknown>;

const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `over` merged into `base`, recursively for plain objects (arrays and scalars
 * replace); a null in `over` removes the key (`--set data.flowDir=null`), so
 * that its default applies again.
 */
export function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else out[key] = isPlain(value) && isPlain(out[key]) ? deepMerge(out[key] as Plain, value) : value;
  }
  return out;
}

/** `model.width=0.25` -> { model: { width: 0.25 } }; the value is read as YAML (numbers, booleans, lists; `null` removes the key). */
export function parseOverride(assignment: string): Plain {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new TrainingError('BAD_CONFIG', `--set expects key.path=value, got '${assignment}'`);
  const keys = assignment.slice(0, eq).trim().split('.');
  let value: unknown = parseYaml(assignment.slice(eq + 1));
  for (const key of keys.reverse()) value = { [key]: value };
  return value as Plain;
}

function describeIssues(error: z.ZodError, source: string): string {
  return error.issues
    .map((issue) => {
      const key = issue.path.join('.') || '(top level)';
      const extra = issue.code === 'unrecognized_keys' ? ` (${issue.keys.map((k) => [...issue.path, k].join('.')).join(', ')})` : '';
      return `${source}: key '${key}': ${issue.message}${extra}`;
    })
    .join('\n');
}

export async function readConfigFile(file: string): Promise<Plain> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new TrainingError('BAD_CONFIG', `cannot read config file (${(error as NodeJS.ErrnoException).code ?? error})`, { path: file });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text); // YAML is a superset of JSON
  } catch (error) {
    throw new TrainingError('BAD_CONFIG', `not valid JSON or YAML: ${(error as Error).message.split('\n')[0]}`, { path: file });
  }
  if (parsed == null) return {};
  if (!isPlain(parsed)) throw new TrainingError('BAD_CONFIG', 'the config must be an object of sections (model, data, train, ...)', { path: file });
  return parsed;
}

export interface ConfigSources {
  preset?: string;
  file?: string;
  overrides?: string[];
}

export interface ResolveOptions {
  /** Told about settings that are valid but have no effect (e.g. a key the data kind ignores). */
  warn?: (message: string) => void;
}

export async function resolveConfig(sources: ConfigSources, options: ResolveOptions = {}): Promise<TrainConfig> {
  let merged: Plain = {};
  const fromFile = sources.file != null ? await readConfigFile(sources.file) : {};
  const presetName = sources.preset ?? (typeof fromFile.preset === 'string' ? fromFile.preset : undefined);
  if (presetName != null) {
    const preset = presetConfig(presetName);
    if (preset == null) throw new TrainingError('BAD_CONFIG', `unknown preset '${presetName}'; known presets: ${PRESET_NAMES.join(', ')}`);
    merged = deepMerge(merged, preset as Plain);
  }
  merged = deepMerge(merged, fromFile);
  for (const assignment of sources.overrides ?? []) merged = deepMerge(merged, parseOverride(assignment));
  if (presetName != null) merged.preset = presetName;
  const result = ConfigSchema.safeParse(merged);
  if (!result.success) {
    const source = sources.file != null ? `config ${sources.file} (with preset and --set flags)` : 'config (preset and --set flags)';
    throw new TrainingError('BAD_CONFIG', describeIssues(result.error, source));
  }
  for (const message of ignoredKeys(merged, result.data)) options.warn?.(message);
  return result.data;
}
