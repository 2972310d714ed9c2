import { DefaultAdapter, type IdpContext, type MellonAttributes } from 'koa-mellon';

/**
 * DefaultAdapter with one step changed: usernames of new users are lower-cased. Every step
 * (formatUsername, createUser, lookupByAttributes, provisionAttributes, provisionSuperuser,
 * provisionGroups) is a method to override, like django-mellon's adapter hooks.
 */
export class LowercaseUsernames extends DefaultAdapter {
  override formatUsername(idp: IdpContext, attributes: MellonAttributes): string | null {
    return super.formatUsername(idp, attributes)?.toLowerCase() ?? null;
  }
}
