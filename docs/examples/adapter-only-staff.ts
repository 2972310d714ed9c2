import { DefaultAdapter, PermissionDenied, type Adapter, type IdpContext, type MellonAttributes } from 'koa-mellon';

/** Lets in only members of the IdP's `staff` group; everyone else sees the message below. */
export class OnlyStaff implements Adapter {
  authorize(_idp: IdpContext, attributes: MellonAttributes): boolean {
    const values = attributes['memberOf'];
    // SAML attributes are lists; a login fact is a string, whose includes() would be a substring test.
    const groups = typeof values === 'string' ? [values] : (values ?? []);
    if (groups.includes('staff')) return true;
    // Returning false shows the generic refusal; throwing shows this text (never put assertion data in it).
    throw new PermissionDenied('This application is for staff members only.');
  }
}

/** For createMellon({ adapters }): OnlyStaff decides first, then DefaultAdapter finds or creates the user. */
export const adapters = [OnlyStaff, DefaultAdapter];
