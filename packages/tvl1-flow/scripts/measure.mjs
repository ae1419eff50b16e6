#!/usr/bin/env node
/**
 * tvl1() against OpenCV on synthetic pairs with known flow (syntheticPair on
 * real images of the shared data) and/or the FlyingChairs pairs: EPE and
 * CPU seconds per pair (one thread), for the options given as JSON
 * arguments; with --opencv, OpenCV DualTVL1 with a full pyramid and/or its
 * defaults (scripts/opencv-pairs.py). A development tool (seed 7 by default,
 * not the benchmark's): the benchmark's flow suite is the reference run.
 *
 *   npx -y pnpm@12.21.0 --filter @trajectorynet/tvl1-flow build
 *   node packages/tvl1-flow/scripts/measure.mjs [--seed 7] [--small] [--chairs] [--no-synthetic] [--opencv full,default] [--only 512] '{}' '{"preset":"ipol"}'
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFlo, readImage, writeFlo } from '@trajectorynet/video-io';
import { endPointError, syntheticPair, syntheticPairSpecs, tvl1 } from '../dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const data = process.env.TRAJECTORYNET_DATA ?? path.resolve(here, '../../../../shared/data');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const seed = Number(value('--seed', 7));
const configs = args.filter((a, i) => a.startsWith('{') && !['--seed', '--only', '--opencv'].includes(args[i - 1]));
const gray = (img) => ({ width: img.width, height: img.height, data: Float32Array.from({ length: img.width * img.height }, (_, i) => 0.299 * img.data[3 * i] + 0.587 * img.data[3 * i + 1] + 0.114 * img.data[3 * i + 2]) });
const textures = [];
for (const f of ['flow/flyingchairs/0000000-img0.ppm', 'flow/flyingchairs/0000001-img0.ppm', 'flow/flyingchairs/0000002-img0.ppm', 'rawframes/img_00001.jpg']) textures.push(gray(await readImage(path.join(data, f))));
const sizes = value('--only', null) === '512' ? [[512, 384]] : value('--only', null) === '1024' ? [[1024, 436]] : [[512, 384], [1024, 436]];
const specs = syntheticPairSpecs({ seed, sizes, perSize: 1, magnitude: flag('--small') ? [2, 8] : [20, 40] });
const pairs = flag('--no-synthetic') ? [] : specs.map((s) => ({ name: `${s.motion} ${s.width}x${s.height}`, ...syntheticPair(textures, s) }));
if (flag('--chairs')) for (const id of ['0000000', '0000001', '0000002']) {
  const load = async (n) => ({ ...(await readImage(path.join(data, `flow/flyingchairs/${id}-${n}.ppm`))), channels: 3 });
  pairs.push({ name: `chairs ${id}`, frame0: await load('img0'), frame1: await load('img1'), truth: await readFlo(path.join(data, `flow/flyingchairs/${id}-gt.flo`)), meanMagnitude: NaN, file: id });
}
const rows = pairs.map((p) => [p.name, p.meanMagnitude.toFixed(1)]);
const header = ['pair', '|flow|'];
for (const json of configs) {
  header.push(`${json} EPE`, 'CPU s');
  for (const [i, p] of pairs.entries()) {
    const cpu = process.cpuUsage();
    const flow = tvl1(p.frame0, p.frame1, JSON.parse(json));
    const used = process.cpuUsage(cpu);
    rows[i].push(endPointError(flow, p.truth).toFixed(2), ((used.user + used.system) / 1e6).toFixed(2));
  }
}
if (flag('--opencv')) {
  if (!args[args.indexOf('--opencv') + 1] || args[args.indexOf('--opencv') + 1].startsWith('-') || args[args.indexOf('--opencv') + 1].startsWith('{')) throw new Error('--opencv full,default');
  const dir = path.join(tmpdir(), `tvl1-synthetic-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const inputs = [];
  for (const [i, p] of pairs.entries()) {
    if (p.file) {
      inputs.push({ frame0: path.join(data, `flow/flyingchairs/${p.file}-img0.ppm`), frame1: path.join(data, `flow/flyingchairs/${p.file}-img1.ppm`), truth: path.join(data, `flow/flyingchairs/${p.file}-gt.flo`) });
      continue;
    }
    const [a, b, t] = [path.join(dir, `${i}-0.raw`), path.join(dir, `${i}-1.raw`), path.join(dir, `${i}.flo`)];
    writeFileSync(a, p.frame0.data);
    writeFileSync(b, p.frame1.data);
    await writeFlo(t, p.truth);
    inputs.push({ frame0: a, frame1: b, truth: t, width: p.frame0.width, height: p.frame0.height });
  }
  for (const config of value('--opencv', 'full,default').split(',')) {
    header.push(`OpenCV ${config} EPE`, 'CPU s');
    const out = JSON.parse(execFileSync('/usr/bin/python3', [path.join(here, 'opencv-pairs.py'), JSON.stringify(inputs), config], { encoding: 'utf8' }));
    out.forEach((r, i) => rows[i].push(r.epe.toFixed(2), r.cpu.toFixed(2)));
  }
}
console.log(header.join(' | '));
for (const r of rows) console.log(r.join(' | '));
const means = header.map((_, c) => (c < 2 ? (c === 0 ? 'mean' : '') : (rows.reduce((s, r) => s + Number(r[c]), 0) / rows.length).toFixed(2)));
console.log(means.join(' | '));
