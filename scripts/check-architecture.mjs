#!/usr/bin/env node
/**
 * Checks ARCHITECTURE.md's rules over the workspace:
 *  - a package imports only @trajectorynet packages of lower layers, and no app imports an app;
 *  - nothing depends on an app, not even its tests (devDependencies): what a test needs from an
 *    app (training, export, prediction) lives in a package;
 *  - each package's sources import exactly what its package.json declares (dependencies, peer or
 *    optional dependencies): nothing undeclared, nothing declared and unused.
 * Prints one line per problem and exits 1 if there is any.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Layers from ARCHITECTURE.md (apps are above every package). */
const LAYERS = {
  core: 0,
  'video-io': 1,
  runtime: 1,
  // its addon is optional: the package loads without it
  distributed: 1,
  // no dependencies: runtime loads it (optional, at run time)
  'torch-kernels': 0,
  'tvl1-flow': 2,
  'trajectory-conv': 2,
  'flow-queue': 3,
  'resnet-s3d': 3,
  motionnet: 3,
  recognizer: 4,
  training: 5,
};
const APP_LAYER = 100;

/** Declared but imported only by tooling, types or build scripts (not by src). */
const IMPLICIT = new Set(['@types/node', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'node-addon-api', 'node-api-headers']);

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return /\.(ts|tsx|mts|js|mjs)$/.test(name) && !/\.d\.ts$/.test(name) ? [file] : [];
  });
}

const SPECIFIER = /(?:^|[^\w.])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;
// require(...) with a conditional: the string literals it can return count (require(a ? 'x' : 'y'))
const REQUIRE = /require\(([^)]*)\)/g;
const builtins = new Set(builtinModules);

function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return builtins.has(name) ? null : name;
}

function importsOf(dir) {
  const found = new Map();
  for (const file of sourceFiles(path.join(dir, 'src'))) {
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const match of text.matchAll(SPECIFIER)) {
      const name = packageOf(match[1] ?? match[2] ?? match[3]);
      if (name != null && !found.has(name)) found.set(name, path.relative(root, file));
    }
    for (const match of text.matchAll(REQUIRE)) {
      for (const literal of match[1].matchAll(/(?:^|[?:]\s*)['"]([^'"]+)['"]/g)) {
        const name = packageOf(literal[1]);
        if (name != null && !found.has(name)) found.set(name, path.relative(root, file));
      }
    }
  }
  return found;
}

const problems = [];
for (const group of ['packages', 'apps']) {
  const groupDir = path.join(root, group);
  if (!existsSync(groupDir)) continue;
  for (const folder of readdirSync(groupDir).sort()) {
    const dir = path.join(groupDir, folder);
    const manifestFile = path.join(dir, 'package.json');
    if (!existsSync(manifestFile)) continue;
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    const where = `${group}/${folder}`;
    const layer = group === 'apps' ? APP_LAYER : LAYERS[folder];
    if (layer == null) {
      problems.push(`${where}: not in ARCHITECTURE.md's layers (add it there and to scripts/check-architecture.mjs)`);
      continue;
    }
    const appDependency = (name) => name.startsWith('@trajectorynet/') && existsSync(path.join(root, 'apps', name.slice('@trajectorynet/'.length), 'package.json'));
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const name of Object.keys(manifest[field] ?? {})) {
        if (appDependency(name) && name !== manifest.name) problems.push(`${where}: package.json ${field} has the app '${name}' (move what is needed into a package)`);
      }
    }
    const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})]);
    const imported = importsOf(dir);
    for (const [name, file] of imported) {
      if (name === manifest.name) continue;
      if (!declared.has(name)) problems.push(`${where}: ${file} imports '${name}', which package.json does not declare`);
      if (name.startsWith('@trajectorynet/')) {
        const target = name.slice('@trajectorynet/'.length);
        const targetIsApp = existsSync(path.join(root, 'apps', target, 'package.json')) && !existsSync(path.join(root, 'packages', target));
        const targetLayer = targetIsApp ? APP_LAYER : LAYERS[target];
        if (targetIsApp) problems.push(`${where}: ${file} imports the app '${name}' (apps import packages only)`);
        else if (targetLayer == null || targetLayer >= layer) problems.push(`${where}: ${file} imports '${name}' (layer ${targetLayer}) from layer ${layer}`);
      }
    }
    for (const name of declared) {
      if (!imported.has(name) && !IMPLICIT.has(name) && !(manifest.trajectorynet?.declaredWithoutImport ?? []).includes(name)) {
        problems.push(`${where}: package.json declares '${name}', which no source file imports`);
      }
    }
  }
}

for (const problem of problems) console.error(`[architecture] ${problem}`);
console.log(`[architecture] ${problems.length === 0 ? 'ok' : `${problems.length} problem(s)`}`);
process.exit(problems.length === 0 ? 0 : 1);
