// npm pack / npm publish hooks for a workspace package (run from its folder):
//   `prepack`: keep the original package.json aside and write the published one, without the
//              `koa-mellon-source` export condition (it points at src/*.ts, which is not published);
//   `postpack`: put the original back.
// npm reads package.json from disk after prepack, so the tarball holds the stripped manifest.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const SOURCE_CONDITION = 'koa-mellon-source';
const MANIFEST = 'package.json';
const KEPT = 'package.json.unpublished';

function stripCondition(value) {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).filter(([key]) => key !== SOURCE_CONDITION).map(([key, v]) => [key, stripCondition(v)]),
  );
}

const step = process.argv[2];
if (step === 'prepack') {
  // A pack that failed before postpack left the original aside: put it back first.
  if (existsSync(KEPT)) renameSync(KEPT, MANIFEST);
  const text = readFileSync(MANIFEST, 'utf8');
  const manifest = JSON.parse(text);
  writeFileSync(KEPT, text);
  writeFileSync(MANIFEST, `${JSON.stringify({ ...manifest, exports: stripCondition(manifest.exports) }, null, 2)}\n`);
} else if (step === 'postpack') {
  if (existsSync(KEPT)) renameSync(KEPT, MANIFEST);
} else {
  console.error('usage: node published-manifest.mjs prepack|postpack');
  process.exitCode = 2;
}
