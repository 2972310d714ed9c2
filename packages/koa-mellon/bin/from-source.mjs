// The CLI from the TypeScript sources, as `node --conditions=koa-mellon-source --import tsx` would
// run it; used by bin/koa-mellon.mjs in a checkout of the repository. Not published.
import { register } from 'node:module';

// Resolve the workspace packages to their sources: every package.json "exports" here has a
// `koa-mellon-source` condition. A loader hook, because --conditions cannot be set once node runs.
const SOURCE_CONDITION = `export async function resolve(specifier, context, next) {
  return next(specifier, context.conditions.includes('koa-mellon-source') ? context : { ...context, conditions: [...context.conditions, 'koa-mellon-source'] });
}`;

// Both of tsx's hooks, as `--import tsx` does: a .ts config outside any "type": "module"
// package is CommonJS to node, and goes through require.
const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
esm.register();
cjs.register();
// Registered after tsx, so it runs first and tsx resolves with the condition added.
register(`data:text/javascript,${encodeURIComponent(SOURCE_CONDITION)}`);

export const { runCli } = await import('../src/cli/main.ts');
