from django.core.management.base import BaseCommand

from indicators.agencies import load_agencies
from indicators.models import Agency


class Command(BaseCommand):
    help = "Nạp (hoặc cập nhật) danh sách đơn vị của tỉnh An Giang từ indicators/data/. Chạy lại không sao."

    def handle(self, *args, **options):
        created, updated = load_agencies(Agency)
        self.stdout.write(f"Đơn vị: {created} thêm mới, {updated} cập nhật.")
