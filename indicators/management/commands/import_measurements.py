from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from indicators.imports import (
    ImportConflict,
    ImportFileError,
    apply_import,
    plan_import,
    read_table,
)
from indicators.models import Measurement


class Command(BaseCommand):
    help = (
        "Nhập số liệu từ tệp CSV hoặc XLSX (cột: period, agency_code, indicator_code, "
        "numerator, denominator, value, note[, score]). Kiểm tra mọi dòng trước; có lỗi thì "
        "không nhập dòng nào. Giới hạn: IMPORT_MAX_BYTES, IMPORT_MAX_ROWS."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--status",
            choices=["draft", "submitted", "approved"],
            default=Measurement.Status.SUBMITTED,
        )

    def handle(self, *args, file, status, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {file}.")
        try:
            # The file is read as a stream: the size and row limits are checked before
            # anything large is held in memory.
            with path.open("rb") as handle:
                plan = plan_import(read_table(handle, path.name, settings.IMPORT_MAX_ROWS))
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        if plan.errors:
            for error in plan.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(plan.errors)} lỗi; chưa nhập dòng nào.")
        try:
            written = apply_import(plan, status=status)
        except ImportConflict as exc:
            raise CommandError(f"{exc} Hãy chạy lại lệnh để kiểm tra và nhập lại.") from exc
        self.stdout.write(f"Đã nhập {written} dòng thay đổi; {plan.unchanged} dòng không đổi.")
