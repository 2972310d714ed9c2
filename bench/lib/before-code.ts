import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * `packages/saml/src` as it was at `revision`, extracted with `git archive` under
 * `packages/saml/.cache/` (ignored by git), so that a bench can run the old code beside the new
 * one in the same process: same machine state, same load. Inside the package, the old code finds
 * the package's own dependencies. Returns the URL of the extracted `src/` directory, or a reason
 * when it cannot (no git, unknown revision).
 */
export function extractSamlSource(revision: string): { url: URL } | { reason: string } {
  const dir = join(ROOT, 'packages', 'saml', '.cache', `bench-${revision.replace(/[^0-9A-Za-z_.-]/g, '_')}`);
  try {
    if (!existsSync(join(dir, 'src', 'index.ts'))) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const archive = execFileSync('git', ['-C', ROOT, 'archive', '--format=tar', revision, '--', 'packages/saml/src'], { maxBuffer: 64 * 1024 * 1024 });
      execFileSync('tar', ['-x', '-C', dir, '--strip-components=2'], { input: archive });
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: `cannot extract packages/saml/src at ${revision}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
  return { url: pathToFileURL(join(dir, 'src') + '/') };
}
