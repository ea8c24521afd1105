"""``govhall province keygen``: a new SM2 key pair for the hall's 好差评 pushes.

The private key stays in the hall (a file only root and the service can read, named by
``[outbound.province] sm2_private_key_file``); the public key is what the hall gives the province, which verifies
every push with it.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from queue_server.outbound.sm_crypto import generate_key_pair


def _keygen(args: argparse.Namespace) -> int:
    private, public = generate_key_pair()
    if args.out is None:
        print(f"SM2 私钥（保密，填入 sm2_private_key）：{private}")
    else:
        out = Path(args.out)
        if out.exists():
            print(f"{out} 已存在，未覆盖 (exists, not overwritten)", file=sys.stderr)
            return 1
        # created with mode 0600 from the start: the key is never readable by others, not even for a moment
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(private + "\n")
        print(f"SM2 私钥已写入 {out}（权限 600），在大厅配置中写 sm2_private_key_file = \"{out}\"")
    print("SM2 公钥（交给省平台）：")
    print(public)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``province keygen``."""
    province = subparsers.add_parser("province", help="provincial 好差评 platform tools")
    sub = province.add_subparsers(dest="province_command", required=True)
    keygen = sub.add_parser("keygen", help="generate the hall's SM2 key pair; prints the public key (last line) "
                                           "to give the province")
    keygen.add_argument("--out", help="write the private key to this new file (mode 600) instead of printing it")
    keygen.set_defaults(func=_keygen)
