/**
 * The texts a refused user sees (`PermissionDenied.publicMessage`). Fixed strings: nothing from the
 * assertion is ever put in them, and they do not say which check failed beyond what the user can
 * act on.
 */

/** No adapter found (or created) a user for this identity. */
export const NO_ACCOUNT_MESSAGE = 'No account is linked to this identity.';

/** The user found is deactivated (django-mellon's "inactive user" page). */
export const INACTIVE_ACCOUNT_MESSAGE = 'This account is disabled.';

/** `lookupByAttributes` matched more than one account: linking either would be a guess. */
export const AMBIGUOUS_ACCOUNT_MESSAGE = 'More than one account matches this identity; an administrator must link yours.';

/** The username built from the template already belongs to another (unlinked) account. */
export const USERNAME_TAKEN_MESSAGE = 'An account could not be created for this identity: its user name is already taken.';
