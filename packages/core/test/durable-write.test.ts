import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileDurable, ensureWritableFolder, removeStaleTemporaries, writeFileDurable } from '../src/node.js';

const folder = () => mkdtempSync(path.join(tmpdir(), 'core-durable-'));

afterEach(() => {
  delete process.env.TRAJECTORYNET_FAIL_WRITE;
});

describe('writeFileDurable', () => {
  it('writes bytes and strings, creating folders, leaving no temporary', async () => {
    const dir = folder();
    const file = path.join(dir, 'a', 'b', 'x.bin');
    await writeFileDurable(file, Uint8Array.of(1, 2, 3));
    await writeFileDurable(path.join(dir, 'y.txt'), 'héllo');
    expect([...readFileSync(file)]).toEqual([1, 2, 3]);
    expect(readFileSync(path.join(dir, 'y.txt'), 'utf8')).toBe('héllo');
    expect(readdirSync(path.join(dir, 'a', 'b'))).toEqual(['x.bin']);
  });

  it('keeps the previous file whole when the disk fills mid-write, and says DISK_FULL with the folder', async () => {
    const dir = folder();
    const file = path.join(dir, 'latest.ckpt');
    writeFileSync(file, 'previous checkpoint');
    process.env.TRAJECTORYNET_FAIL_WRITE = 'latest.ckpt=ENOSPC@1000';
    const error = await writeFileDurable(file, new Uint8Array(100_000)).catch((e) => e);
    expect(error.code).toBe('DISK_FULL');
    expect(error.path).toBe(dir);
    expect(readFileSync(file, 'utf8')).toBe('previous checkpoint');
    expect(readdirSync(dir)).toEqual(['latest.ckpt']);
  });

  it('says NOT_WRITABLE naming the file for a folder that cannot be written', async () => {
    const dir = folder();
    writeFileSync(path.join(dir, 'plain-file'), '');
    const error = await writeFileDurable(path.join(dir, 'plain-file', 'x.json'), '{}').catch((e) => e);
    expect(error.code).toBe('NOT_WRITABLE');
    expect(error.path).toBe(path.join(dir, 'plain-file', 'x.json'));
  });

  it('fills a real small filesystem without leaving a truncated file (tmpfs, when this process may mount one)', async () => {
    const mountPoint = folder();
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]).status === 0;
    if (!mounted) {
      // without mount rights the injected failure above covers the same code path
      expect(process.env.CI === 'true' && process.getuid?.() === 0).toBe(false);
      return;
    }
    try {
      const file = path.join(mountPoint, 'best.ckpt');
      await writeFileDurable(file, new Uint8Array(600_000).fill(7));
      const error = await writeFileDurable(file, new Uint8Array(700_000).fill(9)).catch((e) => e);
      expect(error.code).toBe('DISK_FULL');
      const kept = readFileSync(file);
      expect(kept.length).toBe(600_000);
      expect(kept.every((b) => b === 7)).toBe(true);
      expect(readdirSync(mountPoint)).toEqual(['best.ckpt']);
    } finally {
      spawnSync('umount', [mountPoint]);
    }
  });
});

describe('appendFileDurable', () => {
  it('appends and reports a full disk', async () => {
    const dir = folder();
    const file = path.join(dir, 'metrics.jsonl');
    await appendFileDurable(file, '{"a":1}\n');
    await appendFileDurable(file, '{"a":2}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
    process.env.TRAJECTORYNET_FAIL_WRITE = 'metrics.jsonl=ENOSPC@3';
    await expect(appendFileDurable(file, '{"a":3}\n')).rejects.toMatchObject({ code: 'DISK_FULL' });
  });
});

describe('removeStaleTemporaries', () => {
  it('removes temporaries of dead processes and keeps those of live ones and other files', async () => {
    const dir = folder();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const names = [`.latest.ckpt.${dead}.0a1b2c3d.tmp`, `.latest.ckpt.${process.pid}.deadbeef.tmp`, 'latest.ckpt', '.hidden'];
    for (const name of names) writeFileSync(path.join(dir, name), 'x');
    expect(await removeStaleTemporaries(dir)).toEqual([`.latest.ckpt.${dead}.0a1b2c3d.tmp`]);
    expect(readdirSync(dir).sort()).toEqual(names.slice(1).sort());
    expect(await removeStaleTemporaries(path.join(dir, 'missing'))).toEqual([]);
  });

  it('a write killed mid-way leaves only a temporary, which the next start removes', async () => {
    const dir = folder();
    const file = path.join(dir, 'best.ckpt');
    writeFileSync(file, 'old');
    const script = `import('${new URL('../dist/node.js', import.meta.url).href}').then((m) => m.writeFileDurable(${JSON.stringify(file)}, new Uint8Array(50000)))`;
    const child = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, TRAJECTORYNET_FAIL_WRITE: 'best.ckpt=KILL@20000' } });
    expect(child.signal).toBe('SIGKILL');
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir).length).toBe(2);
    await removeStaleTemporaries(dir);
    expect(readdirSync(dir)).toEqual(['best.ckpt']);
    expect(existsSync(file)).toBe(true);
  });
});

describe('ensureWritableFolder', () => {
  it('creates a missing folder, and refuses a file or a folder it cannot write, naming it', async () => {
    const dir = folder();
    await ensureWritableFolder(path.join(dir, 'a', 'b'));
    expect(existsSync(path.join(dir, 'a', 'b'))).toBe(true);
    expect(readdirSync(path.join(dir, 'a', 'b'))).toEqual([]);
    writeFileSync(path.join(dir, 'file'), 'x');
    await expect(ensureWritableFolder(path.join(dir, 'file'))).rejects.toMatchObject({ code: 'NOT_WRITABLE', path: path.join(dir, 'file') });
    await expect(ensureWritableFolder(path.join(dir, 'file', 'sub'))).rejects.toMatchObject({ code: 'NOT_WRITABLE' });
  });
});
