from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from indicators.demo_data import seed_demo


class Command(BaseCommand):
    help = (
        "Sinh số liệu minh họa (có đánh dấu) cho mọi đơn vị, quý và chỉ số năm 2021. "
        "Không ghi đè số liệu thật; chạy lại không sao."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=2021)
        parser.add_argument(
            "--reset", action="store_true", help="Xóa số liệu minh họa cũ của năm rồi sinh lại"
        )

    def handle(self, *args, year, reset, **options):
        try:
            created = seed_demo(year, reset=reset)
        except ImproperlyConfigured as exc:
            raise CommandError("Không sinh số liệu minh họa khi chạy ở chế độ production.") from exc
        self.stdout.write(f"Số liệu minh họa năm {year}: thêm {created} số liệu.")
