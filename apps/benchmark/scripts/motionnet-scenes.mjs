// Pretrained MotionNets on the layered scenes with ground truth (tvl1-flow's scene sets: independently moving
// objects over a moving background, thin bars, motion blur, illumination change, at 512x384 and 1024x436),
// next to zero flow: the end-point error over all pixels, per group and over the set, as a share of zero flow's
// (mean EPE over the pairs / zero flow's mean). For choosing a pretraining recipe on one set (validation,
// validation-b) and reporting it on another (test, fresh, FlyingChairs) that the choice never looked at.
// From the repository's root after building the benchmark's dependencies:
//   node apps/benchmark/scripts/motionnet-scenes.mjs --set validation,validation-b [--chairs] [--scales 0.5,0.25]
//     [--cache DIR] [--json out.json] RUN_DIR...
// --scales: predictFlow's scale (the network runs at the frames' size times it); 'default' is the recipe's
// (PROCEDURAL_PRETRAINING.inferenceScale). --brightness plain,match: without and with predictFlow's matchBrightness.
import { writeFileSync } from 'node:fs';
import { loadMotionNet, PROCEDURAL_PRETRAINING, useBackend } from '@trajectorynet/training';
import { predictFlow } from '@trajectorynet/motionnet';
import { loadScenePairs, sceneErrors } from '../../../packages/tvl1-flow/scripts/scene-sets.mjs';

const args = process.argv.slice(2);
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const runs = args.filter((a, i) => !a.startsWith('--') && !['--set', '--scales', '--cache', '--json', '--groups', '--brightness'].includes(args[i - 1]));
if (runs.length === 0) {
  console.error('usage: node apps/benchmark/scripts/motionnet-scenes.mjs --set validation[,validation-b] [--chairs] [--scales 0.5,0.25] [--cache DIR] [--json FILE] RUN_DIR...');
  process.exit(2);
}
const sets = value('--set', 'validation').split(',');
const scales = value('--scales', 'default').split(',').map((s) => (s === 'default' ? undefined : Number(s)));
const groups = value('--groups', 'large512,large1024,small').split(',');
const brightness = value('--brightness', 'plain').split(',');
if (!brightness.every((b) => b === 'plain' || b === 'match')) throw new Error('--brightness takes plain and/or match');
await useBackend({ backend: 'wasm' });

const pairs = [];
for (const set of sets) {
  const loaded = await loadScenePairs({ set, groups, chairs: args.includes('--chairs') && set === sets[sets.length - 1], cacheDir: value('--cache', null), onPair: (k, n) => process.stderr.write(`\r${set}: pair ${k}/${n}`) });
  pairs.push(...loaded.map((p) => ({ ...p, set })));
  process.stderr.write('\n');
}
const rgb = (f) => (f.channels === 3 ? f : { width: f.width, height: f.height, channels: 3, data: Uint8Array.from({ length: 3 * f.data.length }, (_, i) => f.data[Math.floor(i / 3)]) });
const zero = pairs.map((p) => sceneErrors({ u: new Float32Array(p.truth.u.length), v: new Float32Array(p.truth.v.length) }, p.truth, p.occluded).epe);

const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
const results = {};
for (const run of runs) {
  const { model } = await loadMotionNet(run);
  for (const scale of scales)
    for (const b of brightness) {
      const name = `${run} @ ${scale ?? 'default'}${b === 'match' ? ', matchBrightness' : ''}`;
      const epe = [];
      for (const [i, p] of pairs.entries()) {
        const flow = await predictFlow(model, rgb(p.frame0), rgb(p.frame1), { scale: scale ?? PROCEDURAL_PRETRAINING.inferenceScale, matchBrightness: b === 'match' });
        epe.push(sceneErrors(flow, p.truth, p.occluded).epe);
        process.stderr.write(`\r${name}: ${i + 1}/${pairs.length}   `);
      }
      process.stderr.write('\n');
      results[name] = epe;
    }
  model.dispose();
}

/** Per group and over everything: mean EPE, zero flow's, and the ratio. */
const summaryGroups = [...new Set(pairs.map((p) => `${p.set}: ${p.group}`))];
const member = (g) => (p) => `${p.set}: ${p.group}` === g;
const lit = (p) => p.name.startsWith('illumination');
const rows = [
  ...summaryGroups.map((g) => [g, member(g)]),
  ...sets.map((s) => [`${s}: all scenes`, (p) => p.set === s && p.group !== 'FlyingChairs']),
  ['all scenes', (p) => p.group !== 'FlyingChairs'],
  ['scenes with an illumination change', (p) => p.group !== 'FlyingChairs' && lit(p)],
  ['scenes without', (p) => p.group !== 'FlyingChairs' && !lit(p)],
];
console.log(['group', 'pairs', 'zero EPE', ...Object.keys(results).map((n) => `${n} EPE (/ zero)`)].join(' | '));
const summary = {};
for (const [group, inGroup] of rows) {
  const idx = pairs.flatMap((p, i) => (inGroup(p) ? [i] : []));
  if (idx.length === 0) continue;
  const z = mean(idx.map((i) => zero[i]));
  summary[group] = { pairs: idx.length, zero: z, ...Object.fromEntries(Object.entries(results).map(([n, e]) => [n, { epe: mean(idx.map((i) => e[i])), ratio: mean(idx.map((i) => e[i])) / z }])) };
  console.log([group, idx.length, z.toFixed(2), ...Object.values(results).map((e) => `${mean(idx.map((i) => e[i])).toFixed(2)} (${(mean(idx.map((i) => e[i])) / z).toFixed(3)})`)].join(' | '));
}
if (value('--json', null)) writeFileSync(value('--json', null), JSON.stringify({ sets, pairs: pairs.map((p, i) => ({ set: p.set, group: p.group, name: p.name, magnitude: p.meanMagnitude, zero: zero[i] })), results, summary }, null, 1));
