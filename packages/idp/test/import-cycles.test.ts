import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** Every .ts file under `dir`, with the relative modules it imports (resolved to .ts paths). */
function readImports(dir: string, graph = new Map<string, string[]>()): Map<string, string[]> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) readImports(path, graph);
    else if (entry.name.endsWith('.ts')) {
      const text = readFileSync(path, 'utf8');
      const targets = [...text.matchAll(/from '(\.[^']+)\.js'/g)].map((match) => resolve(dir, `${match[1] ?? ''}.ts`));
      graph.set(path, targets);
    }
  }
  return graph;
}

/** The first import cycle found (as a list of files), if any. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const done = new Set<string>();
  const visit = (file: string, stack: string[]): string[] | undefined => {
    if (stack.includes(file)) return [...stack.slice(stack.indexOf(file)), file];
    if (done.has(file)) return undefined;
    for (const target of graph.get(file) ?? []) {
      const cycle = visit(target, [...stack, file]);
      if (cycle) return cycle;
    }
    done.add(file);
    return undefined;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file, []);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('packages/idp/src imports', () => {
  it('form no cycle: the sso/ and slo/ steps read top-down (issue #15)', () => {
    const cycle = findCycle(readImports(SRC));
    expect(cycle?.map((file) => file.slice(SRC.length + 1))).to.equal(undefined);
  });
});
