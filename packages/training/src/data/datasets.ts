/** The train/val datasets a config names, through video-io's manifests or its synthetic generator. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createSyntheticDataset,
  type Dataset,
  readClassFolders,
  readLabelFile,
  readMmactionList,
  readSomethingV1,
  type Sample,
  type SyntheticSample,
  VideoIOError,
} from '@trajectorynet/video-io';
import type { DataConfig } from '../config/schema.js';
import { TrainerError } from '../errors.js';

export type AnySample = Sample | SyntheticSample;

function need(value: string | undefined, key: string, kind: string): string {
  if (value == null) throw new TrainerError('BAD_CONFIG', `data.kind '${kind}' needs data.${key}`);
  if (!existsSync(value)) throw new TrainerError('BAD_DATA', `data.${key} does not exist`, { path: value });
  return value;
}

export async function loadDataset(data: DataConfig, split: 'train' | 'val', seed: number): Promise<Dataset<AnySample>> {
  try {
    let dataset: Dataset<AnySample>;
    switch (data.kind) {
      case 'synthetic':
        dataset = createSyntheticDataset({
          split,
          clipsPerClass: split === 'train' ? data.trainClipsPerClass : data.valClipsPerClass,
          frames: data.frames,
          width: data.size,
          height: data.size,
          seed,
        });
        break;
      case 'list': {
        const list = need(split === 'train' ? data.trainList : data.valList, split === 'train' ? 'trainList' : 'valList', 'list');
        const root = data.root ?? path.dirname(list);
        const labels = data.labels != null ? await readLabelFile(need(data.labels, 'labels', 'list')) : undefined;
        // rawframes lists have 3 columns (path frames label), video lists 2
        const columns = (await readFile(list, 'utf8')).split('\n').find((l) => l.trim() !== '')?.trim().split(/\s+/).length ?? 2;
        dataset = await readMmactionList(list, { root, type: columns === 3 ? 'rawframes' : 'videos', labels });
        break;
      }
      case 'sthv1': {
        const root = need(data.root, 'root', 'sthv1');
        const csv = need(split === 'train' ? data.trainList : data.valList, split === 'train' ? 'trainList' : 'valList', 'sthv1');
        dataset = await readSomethingV1(csv, need(data.labels, 'labels', 'sthv1'), root);
        break;
      }
      case 'kinetics':
        dataset = await readClassFolders(path.join(need(data.root, 'root', 'kinetics'), split));
        break;
      default:
        throw new TrainerError('BAD_CONFIG', `data.kind '${data.kind}' is not supported by the trainer yet`);
    }
    if (dataset.samples.length === 0) throw new TrainerError('BAD_DATA', `the ${split} set is empty`);
    return dataset;
  } catch (error) {
    if (error instanceof VideoIOError) throw new TrainerError('BAD_DATA', error.message, { cause: error });
    throw error;
  }
}
