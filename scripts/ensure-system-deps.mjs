#!/usr/bin/env node
/**
 * Installs the system programs the tests need and npm cannot provide:
 * redis-server (the flow-queue tests start a real one), torchvision for
 * Python (resnet-s3d checks its inflated weights against torchvision's own
 * resnet18), libtorch-dev and g++ (the native kernels of
 * @trajectorynet/torch-kernels, built by its build script, unless LIBTORCH
 * names another libtorch), libdnnl-dev (oneDNN's headers, for the native
 * convolutions straight on oneDNN; the library itself comes with
 * libtorch-dev), libgloo-dev (the Gloo headers that
 * @trajectorynet/distributed's addon compiles against), python3-opencv (the
 * benchmark's TV-L1 rival) and chromium (apps/web's test drives the page in
 * Debian's headless Chromium; playwright's own browser download is not used).
 * Uses apt-get (as root, or through sudo) when one is
 * missing; prints what to do otherwise. Everything else (ffmpeg, image
 * codecs, tfjs) comes from npm packages.
 *
 * `--native` (what `pnpm demo` runs first): only libtorch-dev, libdnnl-dev and g++, and
 * never fails: where they cannot be installed (no apt-get, no root or
 * password-less sudo, apt-get failing) it prints one line saying what to
 * install and exits 0, and the demo runs on plain wasm.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const nativeOnly = process.argv.includes('--native');
const runs = (program, args) => spawnSync(program, args, { stdio: 'ignore' }).status === 0;
const has = (program) => runs(program, ['--version']);

const nativeDeps = [
  { aptPackage: 'libtorch-dev', present: () => process.env.LIBTORCH != null || existsSync('/usr/include/ATen/ATen.h') },
  { aptPackage: 'libdnnl-dev', present: () => process.env.LIBTORCH != null || existsSync('/usr/include/dnnl.hpp') },
  { aptPackage: 'g++', present: () => runs(process.env.CXX ?? 'g++', ['--version']) },
];
const needed = nativeOnly
  ? nativeDeps
  : [
      { aptPackage: 'redis-server', present: () => runs('redis-server', ['--version']) },
      { aptPackage: 'python3-torchvision', present: () => runs('/usr/bin/python3', ['-c', 'import torch, torchvision']) },
      ...nativeDeps,
      // c10d's Gloo headers for @trajectorynet/distributed's addon (libtorch itself carries the library)
      { aptPackage: 'libgloo-dev', present: () => existsSync('/usr/include/gloo/algorithm.h') },
      // OpenCV's TV-L1, the rival the benchmark's flow suite measures in the same run
      { aptPackage: 'python3-opencv', present: () => runs('/usr/bin/python3', ['-c', 'import cv2']) },
      { aptPackage: 'chromium', present: () => runs(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', ['--version']) },
    ];

const missing = needed.filter((n) => !n.present());
if (missing.length === 0) process.exit(0);

const packages = missing.map((m) => m.aptPackage);
/** Says what to install and ends: with --native the caller goes on (plain wasm), otherwise with exit 1. */
function cannotInstall(why) {
  if (nativeOnly) {
    console.error(
      `[system-deps] native kernels off (${why}): install ${packages.join(' and ')} (Debian/Ubuntu: sudo apt-get install -y ${packages.join(' ')}) and rerun for libtorch speed; running on plain wasm`,
    );
    process.exit(0);
  }
  console.error(`[system-deps] missing ${packages.join(', ')} (${why}): install them yourself (or run as root)`);
  process.exit(1);
}

if (!has('apt-get')) cannotInstall('no apt-get here');
const isRoot = process.getuid?.() === 0;
if (!isRoot && !runs('sudo', ['-n', 'true'])) cannotInstall('not root and no password-less sudo');
const prefix = isRoot ? [] : ['sudo', '-n'];
console.error(`[system-deps] installing ${packages.join(', ')} with apt-get${nativeOnly ? ' (the native kernels; a few minutes)' : ''}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['apt-get', 'update', '-qq'], ['apt-get', 'install', '-y', '-qq', ...packages]]) {
  const command = [...prefix, ...args];
  const result = spawnSync(command[0], command.slice(1), { stdio: 'inherit', env });
  if (result.status !== 0) cannotInstall(`'${command.join(' ')}' failed`);
}
