/**
 * Something-Something V2: videos are `<root>/<id>.webm`; the labels file maps
 * class names to label numbers as strings ({"Approaching something with your
 * camera": "0", ...}); a split file (train/validation) lists
 * {"id", "label", "template", "placeholders"} entries, whose class is the
 * template without its brackets ("Holding [something] next to [something]" ->
 * "Holding something next to something").
 */
import path from 'node:path';
import { VideoIOError } from '../errors.js';
import { type Dataset, readText, type Sample } from './manifests.js';

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new VideoIOError('BAD_MANIFEST', `not valid JSON: ${(error as Error).message}`, { path: file, cause: error });
  }
}

/** Class names in label order, from the {"name": "number"} labels file. */
async function readLabels(labelsJson: string): Promise<string[]> {
  const parsed = parseJson(labelsJson, await readText(labelsJson));
  if (parsed == null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new VideoIOError('BAD_MANIFEST', 'expected an object {"class name": "label number", ...}', { path: labelsJson });
  }
  const labels: string[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    const label = Number(value);
    if (typeof value !== 'string' || !/^\d+$/.test(value)) throw new VideoIOError('BAD_MANIFEST', `class '${name}': the label must be a number in a string, got ${JSON.stringify(value)}`, { path: labelsJson });
    if (labels[label] != null) throw new VideoIOError('BAD_MANIFEST', `label ${label} is given to both '${labels[label]}' and '${name}'`, { path: labelsJson });
    labels[label] = name;
  }
  const gap = Array.from({ length: labels.length }, (_, i) => i).find((i) => labels[i] == null);
  if (gap != null) throw new VideoIOError('BAD_MANIFEST', `no class has label ${gap} (labels must be 0..${labels.length - 1})`, { path: labelsJson });
  if (labels.length === 0) throw new VideoIOError('BAD_MANIFEST', 'no classes', { path: labelsJson });
  return labels;
}

export async function readSomethingV2(splitJson: string, labelsJson: string, videosRoot: string): Promise<Dataset> {
  const labels = await readLabels(labelsJson);
  const index = new Map(labels.map((name, i) => [name, i]));
  const entries = parseJson(splitJson, await readText(splitJson));
  if (!Array.isArray(entries)) throw new VideoIOError('BAD_MANIFEST', 'expected an array of {"id", "template", ...} entries', { path: splitJson });
  const samples: Sample[] = entries.map((entry: { id?: unknown; template?: unknown }, i) => {
    const bad = (why: string) => new VideoIOError('BAD_MANIFEST', `entry ${i}: ${why}: ${JSON.stringify(entry)?.slice(0, 200)}`, { path: splitJson });
    if (entry == null || typeof entry !== 'object') throw bad('expected an object');
    if (typeof entry.id !== 'string' || !/^[\w-]+$/.test(entry.id)) throw bad('"id" must be a string of letters, digits, _ or -');
    if (typeof entry.template !== 'string') throw bad('no "template" (the class); unlabelled test splits are not supported');
    const name = entry.template.replace(/\[|\]/g, '');
    const label = index.get(name);
    if (label == null) throw bad(`class '${name}' is not in ${labelsJson}`);
    return { path: path.join(videosRoot, `${entry.id}.webm`), id: `${entry.id}.webm`, label, frameCount: 0, kind: 'video' };
  });
  if (samples.length === 0) throw new VideoIOError('BAD_MANIFEST', 'the split has no entries', { path: splitJson });
  return { samples, labels };
}
