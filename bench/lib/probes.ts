import { buildFixture, type Spoil } from './fixtures.js';
import type { Contender } from './contender.js';
import type { Variant } from './variants.js';

/** The library answers a Response whose named signature is broken as if it were fine. */
export interface CoverageGap {
  readonly contender: string;
  readonly spoiled: Spoil;
}

/**
 * Checks which signatures each library actually verifies: for each signature in the variant, a
 * Response where only that one is broken must be refused. A library that accepts it did less work
 * than the others, and its timing is flagged rather than compared silently.
 */
export async function probeSignatureCoverage(variant: Variant, now: number, contenders: readonly Contender[]): Promise<CoverageGap[]> {
  const spoils: Spoil[] = variant.signResponse ? ['assertion', 'response'] : ['assertion'];
  const gaps: CoverageGap[] = [];
  for (const spoiled of spoils) {
    const { samlResponse } = buildFixture(variant, now, spoiled);
    for (const contender of contenders) {
      const accepted = await contender.validate(samlResponse).then(
        () => true,
        () => false,
      );
      if (accepted) gaps.push({ contender: contender.name, spoiled });
    }
  }
  return gaps;
}
