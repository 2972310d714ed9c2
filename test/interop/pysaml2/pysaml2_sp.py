#!/usr/bin/python3
"""A pysaml2 SP (Saml2Client) that stays up for a test suite: koa-mellon's IdP is the peer.

Usage: pysaml2_sp.py CONFIG_JSON
  CONFIG_JSON: {"entityId", "acs", "slo", "key", "cert", "idpMetadata": FILE}
It prints one JSON line {"ready": true, "metadata": <its own SP metadata>}, then answers one JSON
command per stdin line with one JSON line on stdout (the test plays the browser in between):
  {"op": "login", "relayState"?, "sign"?, "nameIdFormat"?, "binding"?} -> {"url", "form"?, "id"}  (signed AuthnRequest)
  {"op": "acs", "SAMLResponse", "allowUnsolicited"?, "wantResponseSigned"?} -> {"nameId", "nameIdFormat", "attributes", ...}
  {"op": "logout", "binding"?}                 -> {"url", "form"?, "relayState"}  (signed LogoutRequest)
  {"op": "slo", "url", "form"?}                -> a LogoutResponse's outcome, or our answer to a LogoutRequest
  {"op": "session"}                            -> {"nameId": the logged-in subject or null}
"binding" is "redirect" (default) or "post"; "form" holds the fields of an HTTP-POST message.
Every failure answers {"ok": false, "error": <exception class>, "message"}; the process lives on.
Runs with Debian's /usr/bin/python3 (python3-pysaml2 7.0.1, which calls /usr/bin/xmlsec1).
"""
import base64
import html
import json
import re
import sys
import traceback
from urllib.parse import parse_qs, urlsplit

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_PERSISTENT
from saml2.sigver import verify_redirect_signature
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256


class Refused(Exception):
    """Something this SP refuses on its own (pysaml2 leaves it to the application)."""


def outgoing(binding, http_info):
    """Where the browser goes next: a Redirect URL, or the fields of pysaml2's HTTP-POST form."""
    if binding == BINDING_HTTP_REDIRECT:
        return {'url': dict(http_info['headers'])['Location']}
    page = http_info['data']
    action = html.unescape(re.search(r'<form [^>]*action="([^"]*)"', page).group(1))
    fields = {html.unescape(name): html.unescape(value) for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', page)}
    return {'url': action, 'form': fields}


def binding_of(cmd):
    return BINDING_HTTP_POST if cmd.get('binding') == 'post' else BINDING_HTTP_REDIRECT


def sp_config(conf):
    with open(conf['idpMetadata'], encoding='utf-8') as f:
        idp_metadata = f.read()
    return SPConfig().load({
        'entityid': conf['entityId'],
        'xmlsec_binary': '/usr/bin/xmlsec1',
        'key_file': conf['key'],
        'cert_file': conf['cert'],
        # The key that decrypts EncryptedAssertion; it also puts a use="encryption" KeyDescriptor in the metadata.
        'encryption_keypairs': [{'key_file': conf['key'], 'cert_file': conf['cert']}],
        'metadata': {'inline': [idp_metadata]},
        # Keep attribute names its converters do not know (mail, displayName) instead of dropping them.
        'allow_unknown_attributes': True,
        'accepted_time_diff': 60,
        'service': {'sp': {
            'endpoints': {
                'assertion_consumer_service': [(conf['acs'], BINDING_HTTP_POST)],
                'single_logout_service': [(conf['slo'], BINDING_HTTP_REDIRECT), (conf['slo'], BINDING_HTTP_POST)],
            },
            'authn_requests_signed': True,
            'logout_requests_signed': True,
            'logout_responses_signed': True,
            # Our IdP signs the assertion (signResponse is off by default); pysaml2's default wants
            # the Response signed, so a pysaml2 SP of our IdP says which one it requires.
            'want_assertions_signed': True,
            'want_response_signed': False,
            'allow_unsolicited': False,
            'name_id_format': [NAMEID_FORMAT_PERSISTENT],
            'name_id_format_allow_create': True,
            # pysaml2 7.0 signs with rsa-sha1 unless told otherwise (our IdP refuses SHA-1).
            'signing_algorithm': SIG_RSA_SHA256,
            'digest_algorithm': DIGEST_SHA256,
        }},
    })


class Sp:
    def __init__(self, conf):
        self.config = sp_config(conf)
        self.client = Saml2Client(config=self.config)
        self.idp = next(iter(self.client.metadata.identity_providers()))
        self.outstanding = {}   # AuthnRequest ID -> RelayState (what a web app keeps in its session)
        self.subject = None     # the browser's session: the NameID it logged in with

    def metadata(self):
        return create_metadata_string(None, config=self.config, valid=24, sign=False).decode()

    def login(self, cmd):
        binding = binding_of(cmd)
        req_id, info = self.client.prepare_for_authenticate(
            entityid=self.idp, relay_state=cmd.get('relayState', ''), binding=binding,
            nameid_format=cmd.get('nameIdFormat'), sign=cmd.get('sign', True), sigalg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
        self.outstanding[req_id] = cmd.get('relayState', '')
        return {**outgoing(binding, info), 'id': req_id}

    def acs(self, cmd):
        # IdP-initiated login: pysaml2 accepts a Response without a matching InResponseTo only
        # with allow_unsolicited, and then stops checking InResponseTo altogether; so it is on
        # for the one call the test says is unsolicited, off otherwise.
        self.client.allow_unsolicited = bool(cmd.get('allowUnsolicited', False))
        # pysaml2's default (want_response_signed: True), for the calls that ask for it.
        self.client.want_response_signed = bool(cmd.get('wantResponseSigned', False))
        try:
            resp = self.client.parse_authn_request_response(cmd['SAMLResponse'], BINDING_HTTP_POST, outstanding=self.outstanding)
        finally:
            self.client.allow_unsolicited = False
            self.client.want_response_signed = False
        if resp is None:
            raise Refused('no response')
        if resp.in_response_to:
            self.outstanding.pop(resp.in_response_to, None)
        info = resp.session_info()
        name_id = resp.name_id
        self.subject = name_id
        authn = resp.authn_info()
        return {
            'nameId': name_id.text,
            'nameIdFormat': name_id.format,
            'nameQualifier': name_id.name_qualifier,
            'spNameQualifier': name_id.sp_name_qualifier,
            'attributes': resp.ava,
            'issuer': info.get('issuer'),
            'sessionIndex': info.get('session_index'),
            'inResponseTo': resp.in_response_to,
            'authnContext': authn[0][0] if authn else None,
            'loggedIn': self.client.is_logged_in(name_id),
        }

    def logout(self, cmd):
        if self.subject is None:
            raise Refused('not logged in')
        # global_logout picks the IdP's first SLO binding in pysaml2's preference order (SOAP,
        # Redirect, POST); do_logout takes the one the test asks for.
        entity_ids = self.client.users.issuers_of_info(self.subject)
        responses = self.client.do_logout(
            self.subject, entity_ids, reason='urn:oasis:names:tc:SAML:2.0:logout:user', expire=None,
            sign=True, expected_binding=binding_of(cmd), sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
        binding, http_info = responses[self.idp]
        out = outgoing(binding, http_info)
        relay_state = out['form'].get('RelayState') if 'form' in out else parse_qs(urlsplit(out['url']).query).get('RelayState', [''])[0]
        return {**out, 'relayState': relay_state}

    def verify_redirect(self, query):
        """saml-bindings §3.4.4.1. pysaml2 parses a Redirect message without checking its detached
        signature (its _parse_request and _parse_response only look for an enveloped one): an
        application calls verify_redirect_signature itself, with the IdP's metadata certificates.
        (It re-encodes the decoded values with urlencode instead of using the octets received, so
        a sender that escapes differently, e.g. "(" or a space in RelayState, fails here: §3.4.4.1
        says to verify the original encoding. Our IdP's RelayStates here are pysaml2's own.)"""
        saml_msg = {name: values[0] for name, values in parse_qs(query, keep_blank_values=True).items()}
        if 'Signature' not in saml_msg or 'SigAlg' not in saml_msg:
            raise Refused('unsigned HTTP-Redirect message')
        for cert in self.client.metadata.certs(self.idp, 'idpsso', 'signing'):
            if verify_redirect_signature(saml_msg, self.client.sec.sec_backend, cert):
                return saml_msg
        raise Refused('HTTP-Redirect signature does not verify')

    def receive(self, cmd):
        """The message and its binding: HTTP-POST (a form: pysaml2 verifies an enveloped signature
        when there is one, so this SP requires one) or HTTP-Redirect (detached signature)."""
        if 'form' in cmd:
            saml_msg = cmd['form']
            xml = base64.b64decode(saml_msg.get('SAMLResponse') or saml_msg.get('SAMLRequest') or '')
            if not re.search(rb'<([A-Za-z0-9_.-]+:)?Signature[\s>]', xml):
                raise Refused('unsigned HTTP-POST message')
            return saml_msg, BINDING_HTTP_POST
        return self.verify_redirect(urlsplit(cmd['url']).query), BINDING_HTTP_REDIRECT

    def slo(self, cmd):
        saml_msg, binding = self.receive(cmd)
        if 'SAMLResponse' in saml_msg:
            resp = self.client.parse_logout_request_response(saml_msg['SAMLResponse'], binding)
            if resp is None:
                raise Refused('no logout response')
            status = resp.response.status.status_code
            ok = resp.status_ok()
            subject = self.subject
            if ok:
                self.client.handle_logout_response(resp)  # local logout when the IdP says Success
                self.subject = None
            return {
                'kind': 'LogoutResponse',
                'status': status.value,
                'subStatus': status.status_code.value if status.status_code else None,
                'inResponseTo': resp.response.in_response_to,
                'loggedIn': subject is not None and self.client.is_logged_in(subject),
            }
        if self.subject is None:
            raise Refused('LogoutRequest but nobody is logged in')
        request = self.client.parse_logout_request(saml_msg['SAMLRequest'], binding).message
        subject = self.subject
        http_info = self.client.handle_logout_request(
            saml_msg['SAMLRequest'], subject, binding, sign=True,
            sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256, relay_state=saml_msg.get('RelayState', ''))
        logged_in = self.client.is_logged_in(subject)
        if not logged_in:
            self.subject = None
        return {
            'kind': 'LogoutRequest',
            'nameId': request.name_id.text,
            'sessionIndexes': [index.text for index in request.session_index],
            **outgoing(BINDING_HTTP_REDIRECT if http_info['method'] == 'GET' else BINDING_HTTP_POST, http_info),
            'loggedIn': logged_in,
        }

    def session(self, _cmd):
        return {'nameId': self.subject.text if self.subject is not None else None}


def main():
    sp = Sp(json.loads(sys.argv[1]))
    print(json.dumps({'ready': True, 'metadata': sp.metadata()}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        try:
            answer = {'ok': True, **getattr(sp, cmd['op'])(cmd)}
        except Exception as err:  # the test reads the class of what the peer refused with
            answer = {'ok': False, 'error': type(err).__name__, 'message': str(err)[:500], 'trace': traceback.format_exc(limit=3)[-800:]}
        print(json.dumps(answer), flush=True)


if __name__ == '__main__':
    main()
