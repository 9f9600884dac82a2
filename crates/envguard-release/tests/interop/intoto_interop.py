"""The other side of envguard's release envelopes: the in-toto reference
tooling (PyPI securesystemslib + in-toto), called by tests/interop.rs.

    intoto_interop.py verify ENVELOPE PUBLIC_PEM
        verifies an envguard-written DSSE envelope with in-toto's Envelope
        and securesystemslib's Ed25519 key; prints {"keyid", "statement"}.
    intoto_interop.py sign OUT_DIR COMMIT
        makes an Ed25519 key, signs an in-toto Statement v1 / SLSA
        Provenance v1 for OUT_DIR/app.bin with evidence OUT_DIR/junit.xml,
        and writes OUT_DIR/python.intoto.json and OUT_DIR/python.pub;
        prints {"keyid"}.
"""

import hashlib
import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from in_toto.models.metadata import Envelope
from securesystemslib.signer import CryptoSigner, SSlibKey


def verify(envelope_path: str, public_pem: str) -> None:
    public = serialization.load_pem_public_key(Path(public_pem).read_bytes())
    key = SSlibKey.from_crypto(public)
    envelope = Envelope.from_dict(json.loads(Path(envelope_path).read_text()))
    if envelope.payload_type != "application/vnd.in-toto+json":
        raise SystemExit(f"payloadType {envelope.payload_type!r}")
    # Raises VerificationError unless the key signed PAE(type, payload).
    envelope.verify([key], 1)
    statement = json.loads(envelope.payload)
    print(json.dumps({"keyid": key.keyid, "signature_keyids": list(envelope.signatures),
                      "statement": statement}))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sign(out_dir: str, commit: str) -> None:
    out = Path(out_dir)
    private = Ed25519PrivateKey.generate()
    key = SSlibKey.from_crypto(private.public_key())
    signer = CryptoSigner(private, key)
    (out / "python.pub").write_bytes(private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "app.bin", "digest": {"sha256": sha256(out / "app.bin")}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {
                "buildType": "https://actions.github.io/buildtypes/workflow/v1",
                "externalParameters": {"workflow": {
                    "ref": "refs/tags/v2.0.0",
                    "repository": "https://github.com/acme/app",
                    "path": ".github/workflows/release.yml"}},
                "internalParameters": {"author": "alice"},
                "resolvedDependencies": [{
                    "uri": "git+https://github.com/acme/app@refs/tags/v2.0.0",
                    "digest": {"gitCommit": commit}}],
            },
            "runDetails": {
                "builder": {"id": "https://github.com/actions/runner/github-hosted"},
                "byproducts": [{"name": "junit.xml",
                                "digest": {"sha256": sha256(out / "junit.xml")},
                                "annotations": {"envguard.evidence": "junit"}}],
            },
        },
    }
    envelope = Envelope(payload=json.dumps(statement).encode(),
                        payload_type="application/vnd.in-toto+json", signatures={})
    envelope.create_signature(signer)
    (out / "python.intoto.json").write_text(json.dumps(envelope.to_dict()))
    print(json.dumps({"keyid": key.keyid}))


if __name__ == "__main__":
    if sys.argv[1] == "verify":
        verify(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "sign":
        sign(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
