from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators import database_dump


class Command(BaseCommand):
    help = (
        "Khôi phục cơ sở dữ liệu từ một tệp sao lưu của backup_db (pg_restore --clean). "
        "Mọi dữ liệu hiện có bị thay bằng nội dung tệp: phải xác nhận bằng --yes. "
        "Dừng ứng dụng trước khi khôi phục."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="tệp .dump do backup_db tạo")
        parser.add_argument(
            "--yes", action="store_true", help="xác nhận thay toàn bộ dữ liệu hiện có"
        )

    def handle(self, *args, **options):
        if not options["yes"]:
            raise CommandError(
                "Khôi phục sẽ thay toàn bộ dữ liệu hiện có bằng nội dung tệp sao lưu. "
                "Chạy lại với --yes để xác nhận."
            )
        try:
            database_dump.restore(options["file"])
        except database_dump.ToolError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Đã khôi phục từ {options['file']}.")
