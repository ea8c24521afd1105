"""``govhall backup`` and ``govhall restore``: an online copy of the hall database, and putting one back."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from queue_server.app import open_database
from queue_server.backup.archive import BackupError, backup, restore
from queue_server.core.commands import add_config_arguments


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``backup`` and ``restore``."""
    backup_cmd = subparsers.add_parser("backup", help="online backup of the database (safe while the server runs)")
    add_config_arguments(backup_cmd)
    backup_cmd.add_argument("--to", type=Path, required=True, help="the backup file to create")
    backup_cmd.set_defaults(func=_backup)

    restore_cmd = subparsers.add_parser("restore", help="restore a verified backup (stop the server first)")
    add_config_arguments(restore_cmd)
    restore_cmd.add_argument("--from", dest="source", type=Path, required=True, help="the backup file")
    restore_cmd.add_argument("--force", action="store_true", help="overwrite an existing database")
    restore_cmd.set_defaults(func=_restore)


def _backup(args: argparse.Namespace) -> int:
    try:
        info = backup(args.db, args.to)
    except BackupError as exc:
        print(f"备份失败：{exc}", file=sys.stderr)
        return 1
    print(f"备份完成：{info['path']}（{info['bytes']} 字节，{info['tickets']} 张号票），完整性检查通过")
    return 0


def _restore(args: argparse.Namespace) -> int:
    try:
        info = restore(args.source, args.db, force=args.force)
    except BackupError as exc:
        print(f"恢复失败：{exc}", file=sys.stderr)
        return 1
    open_database(args.db).close()  # apply any migrations newer than the backup
    print(f"恢复完成：{info['path']}（{info['tickets']} 张号票）")
    return 0
