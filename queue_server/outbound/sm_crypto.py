"""SM2 signatures and SM4 encryption (GB/T 32918, GB/T 32907) over gmssl, as the provincial 好差评 interface uses them.

gmssl (pure Python) does the arithmetic; this module fixes what it leaves to its caller:

- the signing nonce ``k`` and new private keys come from :mod:`secrets` (gmssl's own ``random_hex`` is
  :func:`random.choice`, predictable, and a predictable ``k`` gives the private key away);
- a public key is handed to gmssl as its 128 hex digits without the ``04`` prefix and set on the object directly
  (gmssl strips the prefix with ``lstrip("04")``, which also eats an ``x`` that starts with 0 or 4);
- keys are checked (a private key in [1, n-1], a public key on the curve) before they are used.

Signatures are SM2 over the SM3 digest of Z‖M, Z computed with the standard user id ``1234567812345678``
(GB/T 35276), as gmssl's ``sign_with_sm3`` does; written as r‖s (128 hex digits) or DER (hex), as the interface
asks.
"""
from __future__ import annotations

import re
import secrets

from gmssl.sm2 import CryptSM2, default_ecc_table
from gmssl.sm4 import SM4_DECRYPT, SM4_ENCRYPT, CryptSM4

_N = int(default_ecc_table["n"], 16)
_P = int(default_ecc_table["p"], 16)
_A = int(default_ecc_table["a"], 16)
_B = int(default_ecc_table["b"], 16)
_HEX = re.compile(r"^[0-9a-fA-F]+$")


class BadKey(ValueError):
    """A key that is not what it should be; the message never repeats the key."""


def private_key(text: str) -> str:
    """A private key as 64 lower-case hex digits, checked to lie in [1, n-1]."""
    text = text.strip()
    if len(text) != 64 or not _HEX.match(text) or not 0 < int(text, 16) < _N:
        raise BadKey("应为64位十六进制的SM2私钥 (64 hex digits, 0 < d < n)")
    return text.lower()


def public_key(text: str) -> str:
    """A public key (``04`` + x + y, or x + y) as the 128 hex digits of x‖y, checked to lie on the curve."""
    text = text.strip()
    if len(text) == 130 and text[:2] == "04":
        text = text[2:]
    if len(text) != 128 or not _HEX.match(text):
        raise BadKey("应为SM2公钥：04开头的130位或128位十六进制 (hex, uncompressed point)")
    x, y = int(text[:64], 16), int(text[64:], 16)
    if x >= _P or y >= _P or (y * y - (x * x * x + _A * x + _B)) % _P:
        raise BadKey("不是SM2曲线上的点 (not a point of the SM2 curve)")
    return text.lower()


def public_of(private: str) -> str:
    """The public key (x‖y, 128 hex digits) of a private key."""
    return _crypt(private, "0" * 128)._kg(int(private, 16), default_ecc_table["g"])


def generate_key_pair() -> tuple[str, str]:
    """A new private key and its public key, both as hex (the public one with its ``04`` prefix, as it is handed
    to the province)."""
    private = f"{secrets.randbelow(_N - 1) + 1:064x}"
    return private, "04" + public_of(private)


def _crypt(private: str, public: str, der: bool = False) -> CryptSM2:
    crypt = CryptSM2(private_key=private, public_key="", asn1=der)
    crypt.public_key = public  # not through the constructor: its lstrip("04") can eat the first digits of x
    return crypt


def sign(message: bytes, private: str, public: str, der: bool = False) -> str:
    """The SM2/SM3 signature of ``message`` (hex: r‖s, or DER when ``der``).

    :param private: the signer's private key (see :func:`private_key`).
    :param public: the signer's public key (x‖y); Z, hashed with the message, includes it.
    """
    crypt = _crypt(private, public, der)
    while True:
        # gmssl answers None for the rare k with r = 0 or r + k = n: another k then
        signature = crypt.sign_with_sm3(message, f"{secrets.randbelow(_N - 1) + 1:064x}")
        if signature:
            return signature


def verify(message: bytes, signature: str, public: str, der: bool = False) -> bool:
    """Whether ``signature`` (hex) is the SM2/SM3 signature of ``message`` by ``public`` (x‖y). Never raises."""
    try:
        if not signature or not _HEX.match(signature) or (not der and len(signature) != 128):
            return False
        return bool(_crypt("0", public, der).verify_with_sm3(signature, message))
    except (ValueError, TypeError, IndexError, AttributeError):  # a malformed DER sequence or point
        return False


def sm4_key(text: str) -> bytes:
    """An SM4 key given as 32 hex digits (16 bytes)."""
    text = text.strip()
    if len(text) != 32 or not _HEX.match(text):
        raise BadKey("应为32位十六进制（16字节）的SM4密钥 (32 hex digits)")
    return bytes.fromhex(text)


def sm4_encrypt(key: bytes, plain: bytes, iv: bytes | None = None) -> bytes:
    """SM4 with PKCS#7 padding: CBC with ``iv`` (16 bytes), else ECB."""
    crypt = CryptSM4()
    crypt.set_key(key, SM4_ENCRYPT)
    return crypt.crypt_cbc(iv, plain) if iv is not None else crypt.crypt_ecb(plain)


def sm4_decrypt(key: bytes, cipher: bytes, iv: bytes | None = None) -> bytes:
    """The inverse of :func:`sm4_encrypt`; raises ``ValueError`` on a length or padding that cannot be."""
    if not cipher or len(cipher) % 16:
        raise ValueError("密文长度应为16字节的整数倍")
    crypt = CryptSM4()
    crypt.set_key(key, SM4_DECRYPT)
    plain = crypt.crypt_cbc(iv, cipher) if iv is not None else crypt.crypt_ecb(cipher)
    pad = len(cipher) - len(plain)
    # gmssl strips the padding without looking at it: check it here, a wrong key shows up as bad padding
    if not 1 <= pad <= 16:
        raise ValueError("SM4填充错误 (bad padding)")
    return plain
