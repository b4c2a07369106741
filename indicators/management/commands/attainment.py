import json

from django.core.management.base import BaseCommand, CommandError

from indicators.attainment import Scope, results_for
from indicators.models import Agency, Period
from targets.models import Level, Plan

FIELDS = [
    "target",
    "indicator",
    "period",
    "numerator",
    "denominator",
    "actual",
    "threshold",
    "comparator",
    "status",
    "reported",
    "expected",
]
LEVELS = [Level.TINH, Level.HUYEN, Level.XA]


class Command(BaseCommand):
    help = "In kết quả thực hiện từng chỉ tiêu cho một kỳ và một phạm vi (toàn tỉnh, cấp, huyện, đơn vị)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="Mã kỳ: 2021-Q2 hoặc 2021")
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--level", choices=LEVELS)
        scope.add_argument("--district", help="Mã đơn vị cấp huyện (gồm các xã trực thuộc)")
        scope.add_argument("--agency", help="Mã một đơn vị")
        parser.add_argument(
            "--quarter-only",
            action="store_true",
            help="Chỉ số liệu của quý, không cộng dồn từ đầu năm",
        )
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args, **opts):
        try:
            period = Period.objects.get(code=opts["period"])
        except Period.DoesNotExist as exc:
            raise CommandError(f"Không có kỳ báo cáo “{opts['period']}”.") from exc
        plan = Plan.objects.filter(year=period.year).first()
        if plan is None:
            raise CommandError(f"Không có kế hoạch cho năm {period.year}.")
        scope = self._scope(opts)
        rows = [
            self._row(r)
            for r in results_for(plan, period, scope, cumulative=not opts["quarter_only"])
        ]
        if opts["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        widths = {f: max([len(f)] + [len(str(r[f])) for r in rows]) for f in FIELDS}
        self.stdout.write("  ".join(f.ljust(widths[f]) for f in FIELDS))
        for row in rows:
            self.stdout.write(
                "  ".join(
                    str(row[f] if row[f] is not None else "").ljust(widths[f]) for f in FIELDS
                )
            )

    def _scope(self, opts) -> Scope:
        if opts["level"]:
            return Scope.of_level(opts["level"])
        code = opts["district"] or opts["agency"]
        if not code:
            return Scope.province()
        try:
            agency = Agency.objects.get(code=code)
        except Agency.DoesNotExist as exc:
            raise CommandError(f"Không có đơn vị mã “{code}”.") from exc
        if opts["district"]:
            if agency.level != Level.HUYEN:
                raise CommandError(f"“{code}” không phải đơn vị cấp huyện.")
            return Scope.district(agency)
        return Scope.single(agency)

    @staticmethod
    def _row(result) -> dict:
        return {
            "target": result.target.code,
            "indicator": result.target.indicator.code,
            "period": result.period.code,
            "numerator": result.numerator,
            "denominator": result.denominator,
            "actual": result.actual_machine,
            "threshold": f"{result.threshold.normalize():f}",
            "comparator": result.comparator,
            "status": str(result.status),
            "reported": result.reported,
            "expected": result.expected,
        }
