/**
 * `npm run bench`: validates the same xmlsec1-signed Responses with @koa-mellon/saml, node-saml and
 * samlify in one run, alternating between them, next to the floor (the least work any Node SP must
 * do, bench/lib/floor.ts), and prints median µs per Response and the ratios as a Markdown table.
 * Method and a reading of the results: docs/performance.md.
 *
 * Each library must first accept each Response (and return its NameID) or it is reported n/a
 * with the reason; signatures a library does not check are found by probes and flagged.
 */
import { requireXmlsec } from '../test/helpers/xmlsec.js';
import { benchContext, type BenchContext, type Contender } from './lib/contender.js';
import { buildFixture } from './lib/fixtures.js';
import { createFloor } from './lib/floor.js';
import { describeMachine } from './lib/machine.js';
import { median, timeRoundRobin } from './lib/measure.js';
import { createNodeSaml } from './lib/node-saml.js';
import { createOurs } from './lib/ours.js';
import { probeSignatureCoverage, type CoverageGap } from './lib/probes.js';
import { renderTable, type Outcome, type Row } from './lib/report.js';
import { createSamlify } from './lib/samlify.js';
import { VARIANTS, type Variant } from './lib/variants.js';

/** The NameID every fixture carries: a contender that returns another one did not validate it. */
const NAME_ID = 'alice-1234';

const CONTENDERS: ReadonlyArray<(ctx: BenchContext) => Contender> = [createOurs, createNodeSaml, createSamlify, createFloor];

async function main(): Promise<void> {
  requireXmlsec();
  // One instant for every fixture; our clock is frozen at it, the others tolerate a day of skew.
  const now = Date.now();
  const rows: Row[] = [];
  for (const variant of VARIANTS) rows.push(await benchVariant(variant, now));
  console.log([...describeMachine(), '', ...renderTable(rows)].join('\n'));
}

async function benchVariant(variant: Variant, now: number): Promise<Row> {
  progress(`${variant.label}: building the Response with xmlsec1`);
  const fixture = buildFixture(variant, now);
  const contenders = CONTENDERS.map((create) => create(benchContext(variant, now)));
  const outcomes = new Map<string, Outcome>();
  const ready: Contender[] = [];
  for (const contender of contenders) {
    const failure = await preflight(contender, fixture.samlResponse);
    if (failure === undefined) ready.push(contender);
    else outcomes.set(contender.name, { kind: 'n/a', note: `${contender.name} refuses ${variant.key}: ${failure}` });
  }
  const libraries = ready.filter((contender) => contender.name !== 'floor');
  const gaps = variant.probe ? await probeSignatureCoverage(variant, now, libraries) : [];

  progress(`${variant.label}: timing ${ready.map((c) => c.name).join(', ')} (${fixture.bytes.toLocaleString('en-US')} bytes)`);
  const samples = await timeRoundRobin(ready, fixture.samlResponse, variant);
  for (const contender of ready) {
    const medianUs = median(samples.get(contender.name) ?? []) * 1000;
    outcomes.set(contender.name, { kind: 'timed', medianUs, note: gapNote(contender.name, gaps) });
  }
  return { variant, bytes: fixture.bytes, iterations: samples.get(ready[0]?.name ?? '')?.length ?? 0, outcomes };
}

/** Why `contender` cannot be timed on this Response, or undefined when it validates it. */
async function preflight(contender: Contender, samlResponse: string): Promise<string | undefined> {
  try {
    const nameId = await contender.validate(samlResponse);
    return nameId === NAME_ID ? undefined : `returned NameID ${JSON.stringify(nameId)}`;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0]?.slice(0, 120) : String(err);
  }
}

function gapNote(contender: string, gaps: readonly CoverageGap[]): string | undefined {
  const spoiled = gaps.filter((gap) => gap.contender === contender).map((gap) => gap.spoiled);
  if (spoiled.length === 0) return undefined;
  return `${contender} accepts a Response whose ${spoiled.join(' or ')} signature is broken (the other one valid): it verifies fewer signatures than the others, so it does less work here.`;
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

await main();
