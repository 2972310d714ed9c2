#!/usr/bin/python3
"""A pysaml2 IdP that answers one AuthnRequest: the test drives it, koa-mellon is the SP.

Usage: pysaml2_idp.py --entity-id ID --key KEY --cert CERT --sp-metadata FILE --saml-request B64 [--encrypt]
Prints JSON: {"acs": ..., "SAMLResponse": ...}. Runs with Debian's /usr/bin/python3 (python3-pysaml2).
"""
import argparse
import base64
import json

import saml2.entity
import saml2.sigver
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server

AES256_CBC = 'http://www.w3.org/2001/04/xmlenc#aes256-cbc'

# pysaml2 7.0 hard-wires tripledes-cbc for assertion encryption (entity._encrypt_assertion); ask
# for AES-256 in both places it is decided, the template and the xmlsec1 session key.
_pre_encryption_part = saml2.sigver.pre_encryption_part
saml2.entity.pre_encryption_part = lambda **kw: _pre_encryption_part(msg_enc=AES256_CBC, **kw)
_encrypt_assertion = saml2.sigver.SecurityContext.encrypt_assertion


def _aes_encrypt_assertion(self, statement, enc_key, template, key_type='des-192', node_xpath=None):
    return _encrypt_assertion(self, statement, enc_key, template, 'aes-256', node_xpath)


saml2.sigver.SecurityContext.encrypt_assertion = _aes_encrypt_assertion


def main():
    parser = argparse.ArgumentParser()
    for name in ('--entity-id', '--key', '--cert', '--sp-metadata', '--saml-request'):
        parser.add_argument(name, required=True)
    parser.add_argument('--encrypt', action='store_true')
    args = parser.parse_args()
    with open(args.sp_metadata, encoding='utf-8') as f:
        sp_metadata = f.read()
    config = IdPConfig().load({
        'entityid': args.entity_id,
        'xmlsec_binary': '/usr/bin/xmlsec1',
        'key_file': args.key,
        'cert_file': args.cert,
        'metadata': {'inline': [sp_metadata]},
        'allow_unknown_attributes': True,
        'service': {'idp': {
            'endpoints': {'single_sign_on_service': [(args.entity_id + '/sso', BINDING_HTTP_REDIRECT)]},
            'name_id_format': [NAMEID_FORMAT_PERSISTENT],
            'policy': {'default': {'lifetime': {'minutes': 5}, 'attribute_restrictions': None}},
        }},
    })
    idp = Server(config=config)
    request = idp.parse_authn_request(args.saml_request, BINDING_HTTP_REDIRECT).message
    acs = request.assertion_consumer_service_url
    response = idp.create_authn_response(
        identity={'mail': ['pat@example.org'], 'uid': ['pat'], 'eduPersonAffiliation': ['member', 'staff']},
        in_response_to=request.id,
        destination=acs,
        sp_entity_id=request.issuer.text,
        userid='pat',
        name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text='pat-from-pysaml2', sp_name_qualifier=request.issuer.text),
        authn={'class_ref': 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport', 'authn_auth': args.entity_id},
        sign_response=True,
        sign_assertion=True,
        encrypt_assertion=args.encrypt,
        sign_alg='http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
        digest_alg='http://www.w3.org/2001/04/xmlenc#sha256',
    )
    print(json.dumps({'acs': acs, 'SAMLResponse': base64.b64encode(str(response).encode()).decode()}))


if __name__ == '__main__':
    main()
