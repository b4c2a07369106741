"""``manage.py import_measurements FILE [--status draft|submitted] [--user USERNAME]``.

The command follows the browser's rules (``indicators.imports.plan_import``, shared with the
upload page): rows of a locked period or changing an approved figure are refused as row errors,
and nothing is imported; unchanged rows are never written; a changed figure takes
``workflow.status_after_change`` (``--status submitted``, the default, sends it; ``draft``
saves new, draft and returned figures as drafts, and a corrected sent figure stays sent); a
figure sent with a sharp change needs its note (giải trình). There is no ``approved``: approving
takes an approver, in the application.

``--user``: the person the import is done as. Every row must be of an agency that user may enter
for (``access.enterable_agencies``, as in the browser), and the figures and their history are
recorded as entered and sent by that user, who then may not approve them (separation of duties).
Sending takes a person: ``--status submitted`` refuses to run without ``--user``. Drafts may be
loaded without one, as the server's operator, for every agency, entered by nobody: a draft counts
for nothing until somebody sends it in the application, and that person is then its sender.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from indicators import access
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
        "numerator, denominator, value, note[, score]). Kiểm tra mọi dòng trước, theo cùng quy "
        "tắc với trang tải lên (kỳ đã khóa sổ, số liệu đã duyệt, quyền của --user); có lỗi thì "
        "không nhập dòng nào. Giới hạn: IMPORT_MAX_BYTES, IMPORT_MAX_ROWS."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--status",
            choices=[Measurement.Status.DRAFT, Measurement.Status.SUBMITTED],
            default=Measurement.Status.SUBMITTED,
            help=(
                "submitted (mặc định): gửi các số liệu thay đổi; draft: lưu nháp (số liệu đã "
                "gửi mà được sửa vẫn ở trạng thái đã gửi). Duyệt số liệu chỉ làm trong ứng dụng."
            ),
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help=(
                "nhập với tư cách người dùng này: chỉ nhận dòng của đơn vị người đó được nhập, "
                "và ghi người đó là người nhập"
            ),
        )

    def handle(self, *args, file, status, user, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {file}.")
        person = None
        if user is None and status == Measurement.Status.SUBMITTED:
            raise CommandError(
                "Gửi số liệu cần người gửi: thêm --user <tên đăng nhập> (người đó sẽ không tự "
                "duyệt được số liệu mình gửi), hoặc nhập nháp với --status draft."
            )
        if user is not None:
            person = get_user_model().objects.filter(username=user, is_active=True).first()
            if person is None:
                raise CommandError(f"Không có người dùng đang hoạt động tên “{user}”.")
            if not access.can_enter(person):
                raise CommandError(f"Người dùng “{user}” không có quyền nhập số liệu.")
        try:
            # The file is read as a stream: the size and row limits are checked before
            # anything large is held in memory.
            with path.open("rb") as handle:
                plan = plan_import(
                    read_table(handle, path.name, settings.IMPORT_MAX_ROWS),
                    submit=status == Measurement.Status.SUBMITTED,
                    user=person,
                )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        if plan.errors:
            for error in plan.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(plan.errors)} lỗi; chưa nhập dòng nào.")
        try:
            apply_import(plan, user=person)
        except ImportConflict as exc:
            raise CommandError(f"{exc} Hãy chạy lại lệnh để kiểm tra và nhập lại.") from exc
        self.stdout.write(plan.summary())
