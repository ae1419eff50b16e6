/** The train/val datasets a config names, through video-io's manifests or its synthetic generator. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createSyntheticDataset,
  type Dataset,
  listTypeOf,
  readClassFolders,
  readLabelFile,
  readMmactionList,
  readSomethingV1,
  readSomethingV2,
  VideoIOError,
} from '@trajectorynet/video-io';
import type { DataConfig } from '../config/schema.js';
import { TrainingError } from '../errors.js';

function need(value: string | undefined, key: string, kind: string): string {
  if (value == null) throw new TrainingError('BAD_CONFIG', `data.kind '${kind}' needs data.${key}`, { path: `data.${key}` });
  if (!existsSync(value)) throw new TrainingError('BAD_DATA', `data.${key} does not exist`, { path: value });
  return value;
}

export async function loadDataset(data: DataConfig, split: 'train' | 'val', seed: number): Promise<Dataset> {
  try {
    let dataset: Dataset;
    switch (data.kind) {
      case 'synthetic':
        dataset = createSyntheticDataset({
          split,
          clipsPerClass: split === 'train' ? data.trainClipsPerClass : data.valClipsPerClass,
          frames: data.syntheticFrames ?? data.frames,
          // rendered larger when flow is to be solved on frames finer than the network's input
          width: data.size * data.renderScale,
          height: data.size * data.renderScale,
          seed,
          motion: { speed: data.syntheticSpeed, turn: data.syntheticTurn },
          appearance: data.syntheticAppearance,
        });
        break;
      case 'list': {
        const list = need(split === 'train' ? data.trainList : data.valList, split === 'train' ? 'trainList' : 'valList', 'list');
        const root = data.root ?? path.dirname(list);
        const labels = data.labels != null ? await readLabelFile(need(data.labels, 'labels', 'list')) : undefined;
        // rawframes lists end with two numbers (path frames label), video lists with one
        dataset = await readMmactionList(list, { root, type: listTypeOf(await readFile(list, 'utf8')), labels });
        break;
      }
      case 'sthv1': {
        const root = need(data.root, 'root', 'sthv1');
        const csv = need(split === 'train' ? data.trainList : data.valList, split === 'train' ? 'trainList' : 'valList', 'sthv1');
        dataset = await readSomethingV1(csv, need(data.labels, 'labels', 'sthv1'), root);
        break;
      }
      case 'sthv2': {
        const root = need(data.root, 'root', 'sthv2');
        const json = need(split === 'train' ? data.trainList : data.valList, split === 'train' ? 'trainList' : 'valList', 'sthv2');
        dataset = await readSomethingV2(json, need(data.labels, 'labels', 'sthv2'), root);
        break;
      }
      case 'kinetics':
        dataset = await readClassFolders(path.join(need(data.root, 'root', 'kinetics'), split));
        break;
    }
    if (dataset.samples.length === 0) throw new TrainingError('BAD_DATA', `the ${split} set is empty`);
    return dataset;
  } catch (error) {
    // a manifest or dataset folder that cannot be read is bad data, whatever the file
    if (error instanceof VideoIOError) throw new TrainingError('BAD_DATA', error.message.slice(error.path != null ? error.path.length + 2 : 0), { path: error.path, cause: error });
    throw error;
  }
}

/**
 * The train and val sets with one label map. Lists without a labels file name
 * classes by number: both splits then get the numbers up to the largest label
 * of either (a val list need not contain every class).
 */
export async function loadDatasets(data: DataConfig, seed: number): Promise<{ train: Dataset; val: Dataset }> {
  const [train, val] = await Promise.all([loadDataset(data, 'train', seed), loadDataset(data, 'val', seed)]);
  if (data.kind === 'list' && data.labels == null) {
    const labels = train.labels.length >= val.labels.length ? train.labels : val.labels;
    return { train: { ...train, labels }, val: { ...val, labels } };
  }
  if (train.labels.join('\n') !== val.labels.join('\n')) {
    const onlyTrain = train.labels.filter((l) => !val.labels.includes(l));
    const onlyVal = val.labels.filter((l) => !train.labels.includes(l));
    const what = onlyTrain.length + onlyVal.length > 0 ? `classes only in train: ${onlyTrain.slice(0, 5).join(', ') || 'none'}; only in val: ${onlyVal.slice(0, 5).join(', ') || 'none'}` : 'the same classes in another order';
    throw new TrainingError('BAD_DATA', `the train and val sets have different label maps (${what})`, { path: data.valList ?? data.root });
  }
  return { train, val };
}
