import { failWithDetail } from '../../../errors.js';
import { attribute } from '../../../xml/select.js';

/**
 * saml-bindings §3.5.5.2 / §3.4.5.2: a present Destination must be our endpoint; a signed message
 * must carry one.
 */
export function checkDestination(message: Element, signed: boolean, endpointUrl: string): void {
  const destination = attribute(message, 'Destination');
  if (destination === undefined) {
    if (signed) failWithDetail('DESTINATION_MISMATCH', 'signed message without Destination', { expected: endpointUrl, received: '(none)' });
    return;
  }
  if (destination !== endpointUrl) failWithDetail('DESTINATION_MISMATCH', 'Destination is not our endpoint', { expected: endpointUrl, received: destination });
}
