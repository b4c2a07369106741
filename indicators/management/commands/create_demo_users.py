from django.core.management.base import BaseCommand

from indicators.demo_users import DEMO_PASSWORD, create_demo_users


class Command(BaseCommand):
    help = "Tạo người dùng minh họa cho từng vai trò (chỉ dùng khi chạy thử, không dùng khi triển khai)."

    def handle(self, *args, **options):
        users = create_demo_users()
        self.stdout.write(f"Tài khoản minh họa (mật khẩu chung: {DEMO_PASSWORD}):")
        for demo in users:
            role = demo.group or "Quản trị hệ thống"
            self.stdout.write(f"  {demo.username:<16} {role:<24} {demo.full_name}")
