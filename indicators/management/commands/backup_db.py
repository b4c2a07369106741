from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators import database_dump


class Command(BaseCommand):
    help = (
        "Sao lưu toàn bộ cơ sở dữ liệu (pg_dump, định dạng custom) vào var/backups/ "
        "hoặc vào tệp --output."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="tệp .dump sẽ ghi (mặc định var/backups/)")

    def handle(self, *args, **options):
        path = options["output"] or database_dump.default_backup_path()
        try:
            written = database_dump.backup(path)
        except database_dump.ToolError as exc:
            raise CommandError(str(exc)) from exc
        size_kb = written.stat().st_size / 1024
        self.stdout.write(f"Đã sao lưu vào {written} ({size_kb:,.0f} KB).")
