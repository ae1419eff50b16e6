/**
 * A registry for one npm scope, serving packed tarballs on 127.0.0.1, so that
 * a README's `npm install @trajectorynet/x` runs exactly as written before the
 * packages are published: the temporary project's .npmrc points the scope
 * here, every other package comes from the user's registry as usual.
 *
 * Each run gets a fresh URL prefix, so npm never reuses a cached packument of
 * an earlier run (tarballs are cached by their integrity, which is safe).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';

/**
 * `packages`: [{ manifest, tarball }] (manifest: the package.json inside the
 * tarball). Resolves to { url, close() } once listening.
 */
export async function startScopeRegistry(packages) {
  const prefix = `/${randomBytes(6).toString('hex')}`;
  const documents = new Map();
  const tarballs = new Map();
  let base = '';
  for (const { manifest, tarball } of packages) {
    const bytes = await readFile(tarball);
    const file = path.basename(tarball);
    tarballs.set(`${prefix}/-/${file}`, bytes);
    documents.set(manifest.name, () => ({
      name: manifest.name,
      'dist-tags': { latest: manifest.version },
      versions: {
        [manifest.version]: {
          ...manifest,
          _id: `${manifest.name}@${manifest.version}`,
          dist: {
            tarball: `${base}/-/${file}`,
            integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
            shasum: createHash('sha1').update(bytes).digest('hex'),
          },
        },
      },
    }));
  }
  const server = createServer((request, response) => {
    const url = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const tarball = tarballs.get(url);
    if (tarball != null) {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': tarball.length });
      response.end(tarball);
      return;
    }
    const document = url.startsWith(`${prefix}/`) ? documents.get(url.slice(prefix.length + 1)) : undefined;
    if (document == null) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'not found' }));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(JSON.stringify(document()));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}${prefix}`;
  return { url: `${base}/`, close: () => new Promise((resolve) => server.close(resolve)) };
}
