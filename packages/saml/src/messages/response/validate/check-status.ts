import { StatusError } from '../../../errors.js';
import { STATUS } from '../../../constants/urn.js';
import { readStatus } from '../shape.js';

/** saml-core §3.2.2.2: anything but top-level Success is a StatusError carrying every code. */
export function checkStatus(status: Element): void {
  const { codes, message } = readStatus(status);
  if (codes[0] !== STATUS.success) throw new StatusError(codes, message);
}
