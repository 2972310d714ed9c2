#!/usr/bin/env node
// The `koa-mellon` command. In a checkout of the repository (it has tsconfig.json, which is not
// published) it runs the TypeScript sources as `node --conditions=koa-mellon-source --import tsx` would, so
// the command always matches the code; an installed package runs the compiled dist/.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

// Resolve the workspace packages to their sources: every package.json "exports" here has a
// `koa-mellon-source` condition. A loader hook, because --conditions cannot be set once node runs.
const SOURCE_CONDITION = `export async function resolve(specifier, context, next) {
  return next(specifier, context.conditions.includes('koa-mellon-source') ? context : { ...context, conditions: [...context.conditions, 'koa-mellon-source'] });
}`;

async function loadCli() {
  if (!existsSync(new URL('../tsconfig.json', import.meta.url))) return import('../dist/cli/main.js');
  // Both of tsx's hooks, as `--import tsx` does: a .ts config outside any "type": "module"
  // package is CommonJS to node, and goes through require.
  const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
  esm.register();
  cjs.register();
  // Registered after tsx, so it runs first and tsx resolves with the condition added.
  register(`data:text/javascript,${encodeURIComponent(SOURCE_CONDITION)}`);
  return import('../src/cli/main.ts');
}

const { runCli } = await loadCli();
const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// The settings may hold open handles the CLI does not own (a Redis-backed Keyv store): once the
// output is written, do not wait for them. unref: a process with nothing left exits at once.
setTimeout(() => process.exit(code), 1000).unref();
