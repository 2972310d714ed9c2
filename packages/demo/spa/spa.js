// The Acme SPA: plain browser JavaScript, no framework, no build step. Read it top to bottom.
const config = await (await fetch('/config.json')).json();
const api = config.apiOrigin;
const redirectUri = `${location.origin}/`;
/** The tokens live here, in memory only (the browser-based apps BCP's advice): not in storage. */
let tokens = null;

const $ = (id) => document.getElementById(id);
function log(text) {
  const item = document.createElement('li');
  item.textContent = text;
  $('log').append(item);
}
const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** Sign in: a PKCE verifier and a state kept for the trip, the challenge sent to /jwt/authorize. */
$('sign-in').onclick = async () => {
  const verifier = random();
  const state = random();
  sessionStorage.setItem('pkce', JSON.stringify({ verifier, state }));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const url = new URL(`${api}/jwt/authorize`);
  for (const [k, v] of Object.entries({ response_type: 'code', client_id: config.clientId, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state })) url.searchParams.set(k, v);
  location.assign(url.href);
};

/** Back from the SAML login with ?code&state: check the state, exchange the code once. */
async function finishSignIn(params) {
  const saved = JSON.parse(sessionStorage.getItem('pkce') ?? 'null');
  sessionStorage.removeItem('pkce');
  history.replaceState(null, '', '/'); // the code leaves the address bar (and the history)
  if (!saved || params.get('state') !== saved.state || params.get('iss') !== api) {
    log('Refused: the answer does not match the sign-in this page started (state or iss).');
    return;
  }
  log('Back from the SAML login with a one-time code (valid one minute, usable once).');
  await tokenRequest({ grant_type: 'authorization_code', code: params.get('code'), code_verifier: saved.verifier, redirect_uri: redirectUri, client_id: config.clientId },
    'Exchanged the code and the PKCE verifier at /jwt/token: got an access token and a refresh token.');
}

async function tokenRequest(form, done) {
  const response = await fetch(`${api}/jwt/token`, { method: 'POST', body: new URLSearchParams(form) });
  const body = await response.json();
  if (!response.ok) {
    tokens = null;
    log(`/jwt/token refused: ${body.code}. Sign in again.`);
  } else {
    tokens = body;
    log(done);
  }
  show();
}

function show() {
  const signedIn = tokens !== null;
  for (const id of ['call-api', 'refresh', 'statistics', 'sign-out']) $(id).disabled = !signedIn;
  $('sign-in').disabled = signedIn;
  $('claims').replaceChildren();
  if (!signedIn) {
    $('status').textContent = 'Not signed in.';
    $('claims').insertRow().insertCell().textContent = 'No token.';
    return;
  }
  const [header, payload] = tokens.access_token.split('.').slice(0, 2).map((part) => JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))));
  $('status').textContent = `Signed in as ${payload.name} (${payload.email}).`;
  const rows = [['header', `typ ${header.typ}, alg ${header.alg}, kid ${header.kid}`], ...Object.entries(payload).map(([k, v]) => [k, ['iat', 'exp', 'auth_time'].includes(k) ? `${v} (${new Date(v * 1000).toLocaleTimeString()})` : Array.isArray(v) ? v.join(', ') : String(v)])];
  for (const [name, value] of rows) {
    const row = $('claims').insertRow();
    row.insertCell().textContent = name;
    row.insertCell().textContent = value;
  }
}

/** The API: Authorization: Bearer, never a cookie (so no CSRF to defend against). */
$('call-api').onclick = async () => {
  const response = await fetch(`${api}/api/profile`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  $('api').textContent = `HTTP ${response.status}\n${JSON.stringify(await response.json(), null, 2)}`;
  log(`Called GET /api/profile with the access token: HTTP ${response.status}.`);
};

/** Refresh: the refresh token works once; the answer carries its successor. */
$('refresh').onclick = async () => {
  const before = JSON.parse(atob(tokens.access_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).jti;
  await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: config.clientId },
    'Refreshed at /jwt/token: a new access token (new jti) and a new refresh token; the old refresh token is used up.');
  if (tokens) log(`Access token jti ${before.slice(0, 8)}… replaced by ${JSON.parse(atob(tokens.access_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).jti.slice(0, 8)}….`);
};

/**
 * Statistics: the token never goes into a URL. The API answers a one-time launch link (one minute,
 * single use, bound to this token's user and to Stats) to its own IdP, which logs the user in to
 * Stats with an unsolicited SAML response. A new tab, so that this page keeps its tokens.
 */
$('statistics').onclick = async () => {
  const response = await fetch(`${api}/jwt/launch`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}` }, body: new URLSearchParams(config.statistics) });
  const body = await response.json();
  if (!response.ok) {
    log(`/jwt/launch refused: ${body.code}.`);
    return;
  }
  window.open(body.launch_url, '_blank', 'noopener');
  log('Got a one-time launch link at /jwt/launch; Stats opens in a new tab through Acme API\'s IdP.');
};

/**
 * Sign out: /jwt/logout revokes the token family at once (the API refuses these tokens on every
 * instance), then the browser goes through the SAML single logout at the IdP, then through Acme
 * API's own IdP (which logs it out of Stats), and comes back here.
 */
$('sign-out').onclick = async () => {
  const response = await fetch(`${api}/jwt/logout`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}` }, body: new URLSearchParams({ next: '/spa/signed-out' }) });
  const body = await response.json();
  tokens = null;
  show();
  log('Tokens revoked at /jwt/logout; now the SAML single logout at the IdP.');
  if (body.logout_url) location.assign(body.logout_url);
};

const params = new URLSearchParams(location.search);
if (params.has('code')) await finishSignIn(params);
else if (params.has('signed-out')) {
  history.replaceState(null, '', '/');
  $('status').textContent = 'Signed out everywhere: the tokens are revoked and both IdP sessions ended (Stats too).';
  log('Back from the SAML single logout.');
} else if (params.has('error')) log(`The sign-in did not complete: ${params.get('error')}.`);
show();
if (params.has('signed-out')) $('status').textContent = 'Signed out everywhere: the tokens are revoked and both IdP sessions ended (Stats too).';
