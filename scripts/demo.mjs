#!/usr/bin/env node
// Placeholder for `npm run demo` until packages/demo lands (issue #8): it says what exists today.
console.log(`koa-mellon demo: not built yet.

The SAML core (@koa-mellon/saml) is in place and tested against xmlsec1: run \`npm test\`.
The demo (an IdP, two SPs and single logout in one process) arrives with the Koa SP and the IdP.`);
