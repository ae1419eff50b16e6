#!/usr/bin/env node
/**
 * Installs the system programs the tests need and npm cannot provide:
 * redis-server (the flow-queue tests start a real one), torchvision for
 * Python (resnet-s3d checks its inflated weights against torchvision's own
 * resnet18), and libtorch-dev and g++ (the native kernels of
 * @trajectorynet/torch-kernels, built by its build script, unless LIBTORCH
 * names another libtorch). Uses apt-get (as root, or through sudo) when one is
 * missing; prints what to do otherwise. Everything else (ffmpeg, image
 * codecs, tfjs) comes from npm packages.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needed = [
  { aptPackage: 'redis-server', present: () => runs('redis-server', ['--version']) },
  { aptPackage: 'python3-torchvision', present: () => runs('/usr/bin/python3', ['-c', 'import torch, torchvision']) },
  { aptPackage: 'libtorch-dev', present: () => process.env.LIBTORCH != null || existsSync('/usr/include/ATen/ATen.h') },
  { aptPackage: 'g++', present: () => runs(process.env.CXX ?? 'g++', ['--version']) },
];

const runs = (program, args) => spawnSync(program, args, { stdio: 'ignore' }).status === 0;
const has = (program) => runs(program, ['--version']);
const missing = needed.filter((n) => !n.present());
if (missing.length === 0) process.exit(0);

const packages = missing.map((m) => m.aptPackage);
const isRoot = process.getuid?.() === 0;
const prefix = isRoot ? [] : ['sudo', '-n'];
if (!has('apt-get')) {
  console.error(`[system-deps] missing ${packages.join(', ')} and no apt-get here: install them with your package manager`);
  process.exit(1);
}
console.error(`[system-deps] installing ${packages.join(', ')} with apt-get`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['apt-get', 'update', '-qq'], ['apt-get', 'install', '-y', '-qq', ...packages]]) {
  const command = [...prefix, ...args];
  const result = spawnSync(command[0], command.slice(1), { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`[system-deps] '${command.join(' ')}' failed: install ${packages.join(', ')} yourself (or run as root)`);
    process.exit(1);
  }
}
