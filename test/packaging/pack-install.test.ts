// Packs every public package, installs the tarballs into a clean consumer project (ESM, strict tsc,
// nodenext, skipLibCheck false) and runs it: what a user gets from the registry, before it is there.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGES = ['saml', 'web', 'koa-mellon', 'idp', 'jwt'] as const;
const REPOSITORY = 'https://github.com/koa-mellon/koa-mellon';

interface Packed {
  readonly name: string;
  readonly filename: string;
  readonly files: readonly string[];
}

/** Versions the consumer needs besides the tarballs, taken from the lock file so npm finds them in its cache. */
function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (version === undefined) throw new Error(`${name} is not in package-lock.json`);
  return version;
}

function packedText(dir: string, name: string, file: string): string {
  return readFileSync(join(dir, 'node_modules', name, file), 'utf8');
}

describe('packaging: npm pack, install in a clean consumer, import', function () {
  this.timeout(180_000);
  let dir: string;
  const packed = new Map<string, Packed>();
  let consumer: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'koa-mellon-pack-'));
    for (const pkg of PACKAGES) {
      const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: join(ROOT, 'packages', pkg) });
      const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { name: string; filename: string; files: { path: string }[] }[];
      if (!info) throw new Error(`npm pack printed nothing for ${pkg}`);
      packed.set(info.name, { name: info.name, filename: join(dir, info.filename), files: info.files.map((f) => f.path) });
    }
    consumer = join(dir, 'consumer');
    cpSync(fileURLToPath(new URL('consumer/', import.meta.url)), consumer, { recursive: true });
    const tarballs = Object.fromEntries([...packed.values()].map((p) => [p.name, `file:${p.filename}`]));
    const tools = ['koa', '@koa/router', 'typescript', '@types/koa', '@types/koa__router', '@types/node'];
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({
      name: 'consumer', private: true, type: 'module',
      dependencies: { ...tarballs, ...Object.fromEntries(tools.map((t) => [t, lockedVersion(t)])) },
    }, null, 2));
    // --prefer-offline: every dependency is in npm's cache after `npm ci`; the registry only when it is not.
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: consumer });
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs our packages from the tarballs, not from a registry', () => {
    const lock = JSON.parse(readFileSync(join(consumer, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    for (const name of packed.keys()) {
      expect(lock.packages[`node_modules/${name}`]?.resolved, name).to.match(/^file:/);
      // No nested copy fetched for a dependent (@koa-mellon/web inside koa-mellon, say).
      expect(Object.keys(lock.packages).filter((path) => path.endsWith(`/node_modules/${name}`)), name).to.deep.equal([]);
    }
  });

  it('ships dist, README, LICENSE and package.json (and the bin), nothing else', () => {
    for (const { name, files } of packed.values()) {
      for (const file of files) {
        expect(file, name).to.match(/^(dist\/.*(?<!\.map)\.(js|d\.ts)|README\.md|LICENSE|package\.json|bin\/koa-mellon\.mjs)$/);
      }
      expect(files, name).to.include.members(['dist/index.js', 'dist/index.d.ts', 'README.md', 'LICENSE', 'package.json']);
    }
    expect(packed.get('koa-mellon')?.files).to.include.members(['bin/koa-mellon.mjs', 'dist/cli/main.js']);
  });

  it('publishes the registry metadata: repository with directory, homepage, bugs, keywords, license, engines', () => {
    for (const [name, { files }] of packed) {
      expect(files, name).to.include('package.json');
      const manifest = JSON.parse(packedText(consumer, name, 'package.json')) as Record<string, unknown>;
      expect(manifest['repository'], name).to.deep.include({ type: 'git', url: `git+${REPOSITORY}.git` });
      expect((manifest['repository'] as { directory?: string }).directory, name).to.match(/^packages\//);
      expect(manifest['homepage'], name).to.match(new RegExp(`^${REPOSITORY}/`));
      expect(manifest['bugs'], name).to.deep.equal({ url: `${REPOSITORY}/issues` });
      expect(manifest['keywords'], name).to.be.an('array').that.is.not.empty;
      expect(manifest['license'], name).to.equal('MIT');
      expect(manifest['engines'], name).to.deep.equal({ node: '>=20.11' });
      expect(packedText(consumer, name, 'LICENSE'), name).to.match(/^MIT License/);
    }
  });

  it('no published file points at TypeScript sources, the koa-mellon-source condition, ../../docs or a relative link', () => {
    for (const { name, files } of packed.values()) {
      for (const file of files) {
        const text = packedText(consumer, name, file);
        expect(text, `${name}/${file}`).not.to.include('koa-mellon-source');
        expect(text, `${name}/${file}`).not.to.include('../../docs');
        if (file.endsWith('.md')) {
          // A registry page has no repository around it: every link is absolute.
          expect(text.match(/\]\((?!https:\/\/|#)[^)]*\)/g), `${name}/${file}`).to.equal(null);
        } else {
          expect(text, `${name}/${file}`).not.to.match(/src\/[\w/.-]*(?<!\.d)\.ts\b|(?<!\.d)\.ts['"]/);
        }
        expect(text, `${name}/${file}`).not.to.include('sourceMappingURL');
      }
    }
  });

  it('type-checks a strict nodenext ESM consumer against the published types (skipLibCheck false)', async () => {
    await run(join(consumer, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: consumer }).catch((err: { stdout?: string }) => {
      throw new Error(`tsc failed:\n${err.stdout ?? String(err)}`);
    });
  });

  it('runs the consumer: SP metadata served by a Koa app, IdP, JWT bridge, memory store', async () => {
    const { stdout } = await run(process.execPath, ['dist/app.js'], { cwd: consumer });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
    expect(result).to.deep.equal({
      metadataStatus: 200,
      entityId: 'http://127.0.0.1:3000/accounts/mellon/metadata/',
      jwksStatus: 200,
      jwksKeys: 1,
      stored: 'v',
      safeNext: '/home',
      errorIsClass: true,
    });
  });

  // docs/getting-started.md says what this proves: ESM only; CommonJS loads them with import(),
  // or with require() on a Node that has require(esm) (20.19+, 22.12+).
  it('CommonJS: require() loads the packages where Node has require(esm), and fails with ERR_REQUIRE_ESM where it does not', async () => {
    for (const name of packed.keys()) {
      const script = `const m = require(${JSON.stringify(name)}); process.stdout.write(String(Object.keys(m).length > 0));`;
      const { stdout } = await run(process.execPath, ['--no-warnings', '-e', script], { cwd: consumer });
      expect(stdout, name).to.equal('true');
      const refused = await run(process.execPath, ['--no-experimental-require-module', '-e', script], { cwd: consumer }).then(
        () => '',
        (err: { stderr?: string }) => err.stderr ?? '',
      );
      expect(refused, name).to.include('ERR_REQUIRE_ESM');
    }
  });

  it('runs the installed koa-mellon command from dist/', async () => {
    const { stdout } = await run(join(consumer, 'node_modules/.bin/koa-mellon'), ['keygen', '--out', join(dir, 'keys')], { cwd: consumer });
    expect(stdout).to.include('sp.key');
    expect(readFileSync(join(dir, 'keys', 'sp.crt'), 'utf8')).to.match(/^-----BEGIN CERTIFICATE-----/);
  });
});
