#!/usr/bin/env node
/**
 * Measures tvl1() on the FlyingChairs pairs of the shared data: end-point
 * error against the -gt.flo and single-thread seconds per pair (wall clock,
 * and CPU time, which a busy shared machine disturbs less), for the
 * default configuration or the options given as JSON arguments (one run per
 * argument). Runs the built package, so build first:
 *
 *   npx -y pnpm@12.21.0 --filter @trajectorynet/tvl1-flow build
 *   node packages/tvl1-flow/scripts/flyingchairs.mjs '{}' '{"preset":"opencv"}'
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFlo, readImage } from '@trajectorynet/video-io';
import { endPointError, tvl1 } from '../dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const data = process.env.TRAJECTORYNET_DATA ?? path.resolve(here, '../../../../shared/data');
const dir = path.join(data, 'flow/flyingchairs');
const ids = ['0000000', '0000001', '0000002'];
const configs = process.argv.length > 2 ? process.argv.slice(2) : ['{}'];

for (const json of configs) {
  const options = JSON.parse(json);
  const rows = [];
  for (const id of ids) {
    const load = async (name) => ({ ...(await readImage(path.join(dir, `${id}-${name}.ppm`))), channels: 3 });
    const [a, b, truth] = [await load('img0'), await load('img1'), await readFlo(path.join(dir, `${id}-gt.flo`))];
    const start = performance.now();
    const cpu = process.cpuUsage();
    const flow = tvl1(a, b, options);
    const used = process.cpuUsage(cpu);
    rows.push({ id, epe: endPointError(flow, truth), seconds: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6 });
  }
  const mean = rows.reduce((s, r) => s + r.epe, 0) / rows.length;
  const cells = rows.map((r) => `${r.id} ${r.epe.toFixed(3)} (${r.seconds.toFixed(2)} s, cpu ${r.cpu.toFixed(2)} s)`).join(' | ');
  console.log(`${json}: ${cells} | mean ${mean.toFixed(3)}`);
}
