/**
 * The IdP hot path: building a signed (and encrypted) SAML Response.
 *
 *   node --conditions=koa-mellon-source --import tsx bench/idp-response.ts
 *
 * Builds the same logical Response (bench/lib/idp-scenario.ts) with @koa-mellon/saml's
 * `buildResponse` and samlify's `IdentityProvider#createLoginResponse`, alternating between them,
 * and prints median µs per Response (as the base64 `SAMLResponse` form value) and the ratio, then
 * the bare cost of the crypto inside. node-saml has no IdP role. Method and reading:
 * docs/performance.md, "The IdP role: building a Response".
 *
 * Each contender's Response must first be accepted by our SP validation and say what the scenario
 * says, or the contender is reported n/a with the reason and not timed.
 */
import { describeMachine } from './lib/machine.js';
import { median, timeCallsRoundRobin } from './lib/measure.js';
import { createOursBuilder } from './lib/idp-ours.js';
import { preflightBuilder, type Produced } from './lib/idp-preflight.js';
import { timePrimitives } from './lib/idp-primitives.js';
import { NODE_SAML_NOTE, renderIdpReport, type IdpRow } from './lib/idp-report.js';
import { createSamlifyBuilder } from './lib/idp-samlify.js';
import { IDP_VARIANTS, idpScenario, type Builder, type IdpScenario, type IdpVariant } from './lib/idp-scenario.js';
import type { Outcome } from './lib/report.js';

const BUILDERS: ReadonlyArray<(scenario: IdpScenario, variant: IdpVariant) => Builder> = [createOursBuilder, createSamlifyBuilder];

async function main(): Promise<void> {
  const scenario = idpScenario(Date.now());
  const rows: IdpRow[] = [];
  for (const variant of IDP_VARIANTS) rows.push(await benchVariant(scenario, variant));
  progress('timing the crypto primitives');
  const assertionBytes = rows[0]?.produced.get('us')?.assertionBytes ?? 3_000;
  const primitives = await timePrimitives(scenario, assertionBytes);
  // The SP bench's machine lines, without its node-saml and floor contenders.
  const machine = describeMachine().filter((line) => !line.startsWith('node-saml:') && !line.startsWith('floor:'));
  console.log([...machine, `node-saml: ${NODE_SAML_NOTE}`, '', ...renderIdpReport(rows, primitives)].join('\n'));
}

async function benchVariant(scenario: IdpScenario, variant: IdpVariant): Promise<IdpRow> {
  const outcomes = new Map<string, Outcome>();
  const produced = new Map<string, Produced>();
  const ready: Builder[] = [];
  for (const builder of BUILDERS.map((create) => create(scenario, variant))) {
    const result = await preflightBuilder(builder, scenario, variant);
    if (result.ok) {
      ready.push(builder);
      produced.set(builder.name, result.produced);
    } else {
      outcomes.set(builder.name, { kind: 'n/a', note: `our SP refuses ${builder.name}'s Response for ${variant.key}: ${result.reason}` });
    }
  }
  progress(`${variant.label}: timing ${ready.map((b) => b.name).join(', ') || 'nothing'}`);
  const samples = await timeCallsRoundRobin(
    ready.map((builder) => ({ name: builder.name, run: () => builder.build() })),
    variant,
  );
  for (const builder of ready) outcomes.set(builder.name, { kind: 'timed', medianUs: median(samples.get(builder.name) ?? []) * 1000 });
  return { variant, iterations: samples.get(ready[0]?.name ?? '')?.length ?? 0, outcomes, produced };
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

await main();
