#!/usr/bin/env node
/**
 * Builds every workspace package, runs every package's tests one package at a
 * time (each vitest run already uses both cores), then runs the tfjs library
 * packages' tests a second time with the native libtorch kernels turned off
 * (TRAJECTORYNET_NATIVE=0), so that both kernel paths stay tested. Sums the
 * JSON reports that vitest.shared.ts makes each run write, and ends with one
 * line: "N passed, N failed". Exits non-zero when anything failed, including
 * a package whose test run crashed before writing its report.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };

/**
 * The shared test data: TRAJECTORYNET_DATA, else ../shared/data beside the
 * repository, else beside the repository this one was cloned from (a clean
 * clone in a temporary folder, as CI makes). Tests must run, not skip.
 */
function findSharedData() {
  if (process.env.TRAJECTORYNET_DATA) return process.env.TRAJECTORYNET_DATA;
  const candidates = [path.resolve(root, '../shared/data')];
  const origin = spawnSync('git', ['config', '--get', 'remote.origin.url'], { cwd: root, encoding: 'utf8' }).stdout?.trim();
  if (origin && !/^[a-z]+:\/\//i.test(origin) && !origin.includes('@')) candidates.push(path.resolve(root, origin, '../shared/data'));
  return candidates.find((c) => existsSync(path.join(c, 'videos'))) ?? null;
}
const data = findSharedData();
if (data == null) console.error('[test-all] shared test data not found: set TRAJECTORYNET_DATA (tests that read it will fail)');
else env.TRAJECTORYNET_DATA = data;

/** Workspace folders (packages/*, apps/*) whose package.json has a test script. */
function testedWorkspaces() {
  const found = [];
  for (const group of ['packages', 'apps']) {
    const groupDir = path.join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const name of readdirSync(groupDir).sort()) {
      const manifestPath = path.join(groupDir, name, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      if (manifest.scripts?.test) found.push({ dir: path.join(groupDir, name), name: manifest.name });
    }
  }
  return found;
}

/** Library packages that compute with tfjs (their tests run again without the native kernels). */
function tfjsLibraries(workspaces) {
  return workspaces.filter((ws) => {
    if (!ws.dir.startsWith(path.join(root, 'packages')) || ws.name === '@trajectorynet/torch-kernels') return false;
    const manifest = JSON.parse(readFileSync(path.join(ws.dir, 'package.json'), 'utf8'));
    return ['dependencies', 'peerDependencies', 'devDependencies'].some((k) => manifest[k]?.['@tensorflow/tfjs'] != null);
  });
}

function turbo(args, extraEnv = {}) {
  const started = Date.now();
  const result = spawnSync('pnpm', ['exec', 'turbo', 'run', ...args], { cwd: root, env: { ...env, ...extraEnv }, stdio: 'inherit' });
  console.log(`[test-all] turbo ${args.join(' ')}: exit ${result.status} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return result.status ?? 1;
}

// redis-server for the flow-queue tests (apt-get when missing); a failure here
// shows up as that package's failed tests, with the reason printed above.
spawnSync(process.execPath, [path.join(root, 'scripts', 'ensure-system-deps.mjs')], { stdio: 'inherit' });

// ARCHITECTURE.md's rules (layers, declared dependencies) count as one test
const architecture = spawnSync(process.execPath, [path.join(root, 'scripts', 'check-architecture.mjs')], { stdio: 'inherit' });

const workspaces = testedWorkspaces();
for (const ws of workspaces) rmSync(path.join(ws.dir, 'test-results'), { recursive: true, force: true });

const buildStatus = turbo(['build', '--output-logs=errors-only']);
const testStatus = buildStatus === 0 ? turbo(['test', '--concurrency=1', '--continue']) : 1;

let passed = architecture.status === 0 ? 1 : 0;
let failed = architecture.status === 0 ? 0 : 1;
const rows = [`architecture check: ${architecture.status === 0 ? '1 passed, 0 failed' : '0 passed, 1 failed'}`];
/** Adds each package's report to the totals; `label` names the pass. */
function collect(list, label) {
  for (const ws of list) {
    const reportPath = path.join(ws.dir, 'test-results', 'vitest.json');
    if (!existsSync(reportPath)) {
      // The run never finished (build failure, crash, timeout): count it as one failure.
      failed += 1;
      rows.push(`${ws.name}${label}: no test report (the test run did not complete)`);
      continue;
    }
    const report = JSON.parse(readFileSync(reportPath, 'utf8'));
    // Files that failed to load count once each: vitest reports them with zero tests.
    const brokenFiles = (report.testResults ?? []).filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
    passed += report.numPassedTests;
    failed += report.numFailedTests + brokenFiles;
    rows.push(`${ws.name}${label}: ${report.numPassedTests} passed, ${report.numFailedTests + brokenFiles} failed, ${report.numPendingTests + report.numTodoTests} skipped`);
  }
}
collect(workspaces, '');

// the second pass: the tfjs libraries on the stock wasm kernels
const secondPass = buildStatus === 0 ? tfjsLibraries(workspaces) : [];
let secondStatus = 0;
if (secondPass.length > 0) {
  for (const ws of secondPass) rmSync(path.join(ws.dir, 'test-results'), { recursive: true, force: true });
  const filters = secondPass.map((ws) => `--filter=${ws.name}`);
  secondStatus = turbo(['test', '--concurrency=1', '--continue', ...filters], { TRAJECTORYNET_NATIVE: '0' });
  collect(secondPass, ' (TRAJECTORYNET_NATIVE=0)');
}

console.log('\n[test-all] per package:');
for (const row of rows) console.log(`  ${row}`);
if (failed === 0 && (buildStatus !== 0 || testStatus !== 0 || secondStatus !== 0)) failed = 1; // turbo failed outside any test
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
