"""``govhall backup`` and ``govhall restore``: an online copy of the hall database, and putting one back;
``govhall replica check``: is the Litestream replica current and usable (docs/deployment.md §11)."""
from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from queue_server.app import open_database
from queue_server.backup.archive import BackupError, backup, restore
from queue_server.backup.replica import DEFAULT_LITESTREAM_CONFIG, DEFAULT_WINDOW_S, check_replica
from queue_server.core.commands import DEFAULT_DB, add_config_arguments


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

    replica = subparsers.add_parser("replica", help="the Litestream replica of the database (standby PC)")
    replica_sub = replica.add_subparsers(dest="replica_command", required=True, metavar="ACTION")
    check = replica_sub.add_parser("check", help="restore the latest replica into a temporary folder, verify it "
                                                 "and compare it with the live database (exit 1 when behind)")
    check.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"the live database (default: {DEFAULT_DB})")
    check.add_argument("--litestream-config", type=Path, default=DEFAULT_LITESTREAM_CONFIG,
                       help=f"Litestream's configuration naming that database (default: {DEFAULT_LITESTREAM_CONFIG})")
    check.add_argument("--window", type=float, default=DEFAULT_WINDOW_S,
                       help=f"seconds a change may take to reach the replica (default: {DEFAULT_WINDOW_S:g})")
    check.set_defaults(func=_replica_check)


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


def _replica_check(args: argparse.Namespace) -> int:
    try:
        report = check_replica(args.db, args.litestream_config, args.window)
    except BackupError as exc:
        print(f"副本检查失败：{exc}", file=sys.stderr)
        return 1
    newest = _local(report.newest_in_copy) if report.newest_in_copy else "无"
    print(f"副本可用：{report.copy['tickets']} 张号票，完整性检查通过，本版本可以打开；副本中最新的号票记录：{newest}")
    if report.behind is None:
        print(f"本机没有数据库 {args.db}（备机）：未与主机比较")
        return 0
    if report.current:
        print(f"副本正常：本机较新的 {report.behind} 条记录都在 {args.window:g} 秒以内，正在复制" if report.behind
              else "副本与本机一致")
        return 0
    print(f"副本落后：本机有 {report.stale} 条号票记录（最早 {_local(report.oldest_stale)}）超过 {args.window:g} 秒"
          "仍未复制到副本，主机此时损坏会丢失它们。请查看 systemctl status govhall-litestream 和"
          " journalctl -u govhall-litestream -e", file=sys.stderr)
    return 1


def _local(instant: datetime) -> str:
    return instant.astimezone().strftime("%Y-%m-%d %H:%M:%S")
