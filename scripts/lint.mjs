#!/usr/bin/env node
// Project rules a compiler does not check (CONVENTIONS.md): no exclusive tests, the SAML core
// never imports a web framework, no role imports another role (DESIGN.md layers), no `any` in
// sources, no XPath over documents.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const problems = [];
function walk(dir, visit) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, visit);
    else if (path.endsWith('.ts')) visit(path, readFileSync(path, 'utf8'));
  }
}
const rule = (path, text, regex, message) => {
  text.split('\n').forEach((line, i) => {
    if (regex.test(line)) problems.push(`${path}:${i + 1}: ${message}`);
  });
};
for (const root of ['packages', 'test', 'bench']) {
  try { statSync(root); } catch { continue; }
  walk(root, (path, text) => {
    rule(path, text, /\b(describe|it|context)\.only\(/, 'exclusive test (.only)');
    if (path.includes('/src/')) {
      rule(path, text, /:\s*any\b|<any>|as any\b/, 'no `any` in sources');
      rule(path, text, /from ['"]xpath['"]/, 'no XPath: use the ID index and namespace-exact child selection');
    }
    if (path.startsWith(join('packages', 'saml', 'src'))) {
      rule(path, text, /from ['"](koa|@koa\/[^'"]+)['"]/, '@koa-mellon/saml must not depend on Koa');
    }
    // Layers: the core <- the shared layer (@koa-mellon/web) <- the roles; no role imports another.
    const ROLES = { 'koa-mellon': 'koa-mellon', idp: '@koa-mellon/idp', jwt: '@koa-mellon/jwt' };
    const inPackage = Object.keys({ ...ROLES, web: 1, saml: 1 }).find((dir) => path.startsWith(join('packages', dir, 'src')));
    if (inPackage) {
      for (const [dir, name] of Object.entries(ROLES)) {
        if (dir === inPackage) continue;
        rule(path, text, new RegExp(`from ['"]${name.replace('/', '\\/')}['"]`), `layers: packages/${inPackage} must not import the role ${name}`);
      }
    }
  });
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('lint: ok');
