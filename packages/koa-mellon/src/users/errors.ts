import { MellonError } from '@koa-mellon/saml';

/**
 * `UserStore.create` (or `save`) refused a username that another user holds. Its code is
 * `PERMISSION_DENIED` because at login it means exactly that: this identity cannot get an account
 * under that name. The DefaultAdapter turns it into a `PermissionDenied` with a message.
 */
export class UsernameTakenError extends MellonError {
  override readonly name = 'UsernameTakenError';
  constructor() {
    super('PERMISSION_DENIED', 'username already taken by another user');
  }
}
