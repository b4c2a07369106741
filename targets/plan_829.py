"""Kế hoạch 829/KH-UBND (31/12/2020) of the An Giang People's Committee: its focus areas,
indicators and the 14 targets it sets for 2021.

Source: ``targets/data/ke-hoach-829-2021.txt`` (the provincial portal's summary of the plan,
08/01/2021). Loaded by migration ``targets/0002_plan_829``; kept here so tests and the admin can
compare against it. Every threshold below is quoted from that text.
"""

from decimal import Decimal

PLAN = {
    "number": "829/KH-UBND",
    "title": "Kế hoạch Cải cách hành chính năm 2021 của tỉnh An Giang",
    "issued_on": "2020-12-31",
    "issuer": "Ủy ban nhân dân tỉnh An Giang",
    "year": 2021,
    "source": "Kế hoạch số 829/KH-UBND ngày 31/12/2020, tóm tắt trên Cổng thông tin điện tử "
    "tỉnh An Giang ngày 08/01/2021.",
}

# (code, name), in the order the plan names them ("Nhiệm vụ trọng tâm bao gồm ...").
FOCUS_AREAS = [
    ("the_che", "Cải cách thể chế"),
    ("tthc", "Cải cách thủ tục hành chính"),
    ("bo_may", "Cải cách tổ chức bộ máy hành chính"),
    ("cong_vu", "Cải cách chế độ công vụ"),
    ("tai_chinh_cong", "Cải cách tài chính công"),
    ("chinh_quyen_so", "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số"),
]

# code, short name, full name, kind, aggregation, numerator, denominator, unit
INDICATORS = [
    (
        "ho_so_dung_han",
        "Hồ sơ TTHC đúng hạn",
        "Tỷ lệ hồ sơ thủ tục hành chính trả kết quả đúng hạn",
        "rate",
        "sum",
        "Số hồ sơ TTHC trả kết quả đúng hạn",
        "Tổng số hồ sơ TTHC đã giải quyết",
        "hồ sơ",
    ),
    (
        "hai_long_ket_qua",
        "Hài lòng về kết quả",
        "Tỷ lệ người dân được hỏi hài lòng về kết quả giải quyết thủ tục hành chính",
        "rate",
        "sum",
        "Số người được hỏi hài lòng về kết quả giải quyết TTHC",
        "Tổng số người được hỏi",
        "người",
    ),
    (
        "hai_long_phuc_vu",
        "Hài lòng về sự phục vụ",
        "Tỷ lệ người dân được hỏi hài lòng với sự phục vụ của cán bộ, công chức, viên chức",
        "rate",
        "sum",
        "Số người được hỏi hài lòng với sự phục vụ của CB, CC, VC",
        "Tổng số người được hỏi",
        "người",
    ),
    (
        "dvc_muc_do_4",
        "DVC trực tuyến mức độ 4",
        "Tỷ lệ dịch vụ công trực tuyến thực hiện ở mức độ 4",
        "rate",
        "latest",
        "Số DVC trực tuyến mức độ 4",
        "Tổng số DVC trực tuyến",
        "dịch vụ",
    ),
    (
        "tthc_trien_khai_34",
        "TTHC triển khai DVC mức 3, 4",
        "Tỷ lệ thủ tục hành chính đáp ứng yêu cầu được triển khai dịch vụ công trực tuyến "
        "mức độ 3, 4",
        "rate",
        "latest",
        "Số TTHC đã triển khai DVC trực tuyến mức độ 3, 4",
        "Số TTHC đáp ứng yêu cầu triển khai DVC trực tuyến mức độ 3, 4",
        "thủ tục",
    ),
    (
        "dvc_tich_hop",
        "DVC tích hợp Cổng DVC quốc gia",
        "Tỷ lệ dịch vụ công trực tuyến mức độ 3, 4 tích hợp với Cổng Dịch vụ công quốc gia",
        "rate",
        "latest",
        "Số DVC trực tuyến mức độ 3, 4 đã tích hợp Cổng DVC quốc gia",
        "Tổng số DVC trực tuyến mức độ 3, 4",
        "dịch vụ",
    ),
    (
        "ho_so_truc_tuyen",
        "Hồ sơ qua DVC trực tuyến",
        "Tỷ lệ hồ sơ giải quyết theo dịch vụ công trực tuyến mức độ 3, 4",
        "rate",
        "sum",
        "Số hồ sơ giải quyết qua DVC trực tuyến mức độ 3, 4",
        "Tổng số hồ sơ đã giải quyết",
        "hồ sơ",
    ),
    (
        "van_ban_tren_mang",
        "Hồ sơ công việc trên mạng",
        "Tỷ lệ hồ sơ công việc được xử lý trên môi trường mạng (không bao gồm hồ sơ mật)",
        "rate",
        "sum",
        "Số hồ sơ công việc xử lý trên môi trường mạng",
        "Tổng số hồ sơ công việc (không gồm hồ sơ mật)",
        "hồ sơ",
    ),
    (
        "par_index",
        "PAR Index",
        "Chỉ số cải cách hành chính (PAR Index) của tỉnh",
        "rank",
        "annual",
        "",
        "",
        "",
    ),
    (
        "papi",
        "PAPI",
        "Chỉ số hiệu quả quản trị và hành chính công cấp tỉnh (PAPI)",
        "rank",
        "annual",
        "",
        "",
        "",
    ),
    ("pci", "PCI", "Chỉ số năng lực cạnh tranh cấp tỉnh (PCI)", "rank", "annual", "", "", ""),
    (
        "sipas",
        "SIPAS",
        "Chỉ số hài lòng về sự phục vụ hành chính (SIPAS)",
        "rank",
        "annual",
        "",
        "",
        "",
    ),
]

ALL = ["tinh", "huyen", "xa"]
INDICES_WORDING = (
    "Các Chỉ số của tỉnh An Giang (PAR Index, PAPI, PCI, SIPAS...): đứng trong nhóm 15/63 tỉnh, "
    "thành phố cả nước."
)

# code, indicator, focus area (None: a composite index), name, levels, comparator, threshold,
# commitment, wording quoted from the plan
TARGETS = [
    (
        "ho_so_dung_han",
        "ho_so_dung_han",
        "tthc",
        "98% thủ tục hành chính trả kết quả đúng hạn",
        ALL,
        "gte",
        "98",
        "phan_dau",
        "98% thủ tục hành chính trả kết quả đúng hạn",
    ),
    (
        "hai_long_ket_qua",
        "hai_long_ket_qua",
        "tthc",
        "98% người dân được hỏi hài lòng về kết quả giải quyết thủ tục hành chính",
        ALL,
        "gte",
        "98",
        "phan_dau",
        "98% người dân được hỏi hài lòng về kết quả giải quyết thủ tục hành chính",
    ),
    (
        "hai_long_phuc_vu",
        "hai_long_phuc_vu",
        "cong_vu",
        "98% người dân được hỏi hài lòng với sự phục vụ của cán bộ, công chức, viên chức",
        ALL,
        "gte",
        "98",
        "phan_dau",
        "98% người dân được hỏi ... hài lòng với sự phục vụ của cán bộ, công chức, viên chức",
    ),
    (
        "dvc_muc_do_4",
        "dvc_muc_do_4",
        "chinh_quyen_so",
        "Tối thiểu 30% dịch vụ công trực tuyến thực hiện ở mức độ 4",
        ["tinh"],
        "gte",
        "30",
        "toi_thieu",
        "Tối thiểu 30% dịch vụ công trực tuyến thực hiện ở mức độ 4",
    ),
    (
        "tthc_trien_khai_34",
        "tthc_trien_khai_34",
        "chinh_quyen_so",
        "80% thủ tục hành chính đáp ứng yêu cầu được triển khai dịch vụ công trực tuyến mức độ 3, 4",
        ["tinh"],
        "gte",
        "80",
        "phan_dau",
        "phấn đấu 80% thủ tục hành chính đáp ứng yêu cầu được triển khai dịch vụ công trực tuyến "
        "mức độ 3, 4",
    ),
    (
        "dvc_tich_hop",
        "dvc_tich_hop",
        "chinh_quyen_so",
        "Tích hợp 50% dịch vụ công trực tuyến mức độ 3, 4 với Cổng Dịch vụ công quốc gia",
        ["tinh"],
        "gte",
        "50",
        "phan_dau",
        "Phấn đấu trong năm 2021, tích hợp 50% các dịch vụ công trực tuyến mức độ 3, 4 với Cổng "
        "Dịch vụ công quốc gia",
    ),
    (
        "ho_so_truc_tuyen",
        "ho_so_truc_tuyen",
        "chinh_quyen_so",
        "Tỷ lệ hồ sơ giải quyết theo dịch vụ công trực tuyến mức độ 3, 4 đạt từ 50% trở lên",
        ALL,
        "gte",
        "50",
        "phan_dau",
        "Phấn đấu tỷ lệ hồ sơ giải quyết theo dịch vụ công trực tuyến mức độ 3, 4 trên tổng số hồ "
        "sơ đạt từ 50% trở lên",
    ),
    (
        "van_ban_tren_mang_tinh",
        "van_ban_tren_mang",
        "chinh_quyen_so",
        "90% hồ sơ công việc tại cấp tỉnh được xử lý trên môi trường mạng",
        ["tinh"],
        "gte",
        "90",
        "phan_dau",
        "Phấn đấu 90% hồ sơ công việc tại cấp tỉnh ... được xử lý trên môi trường mạng "
        "(không bao gồm hồ sơ xử lý công việc có nội dung mật)",
    ),
    (
        "van_ban_tren_mang_huyen",
        "van_ban_tren_mang",
        "chinh_quyen_so",
        "80% hồ sơ công việc tại cấp huyện được xử lý trên môi trường mạng",
        ["huyen"],
        "gte",
        "80",
        "phan_dau",
        "... 80% hồ sơ công việc tại cấp huyện ... được xử lý trên môi trường mạng",
    ),
    (
        "van_ban_tren_mang_xa",
        "van_ban_tren_mang",
        "chinh_quyen_so",
        "60% hồ sơ công việc tại cấp xã được xử lý trên môi trường mạng",
        ["xa"],
        "gte",
        "60",
        "phan_dau",
        "... 60% hồ sơ công việc tại cấp xã được xử lý trên môi trường mạng",
    ),
    (
        "par_index",
        "par_index",
        None,
        "Chỉ số PAR Index đứng trong nhóm 15/63",
        ["province"],
        "lte",
        "15",
        "nhom",
        INDICES_WORDING,
    ),
    (
        "papi",
        "papi",
        None,
        "Chỉ số PAPI đứng trong nhóm 15/63",
        ["province"],
        "lte",
        "15",
        "nhom",
        INDICES_WORDING,
    ),
    (
        "pci",
        "pci",
        None,
        "Chỉ số PCI đứng trong nhóm 15/63",
        ["province"],
        "lte",
        "15",
        "nhom",
        INDICES_WORDING,
    ),
    (
        "sipas",
        "sipas",
        None,
        "Chỉ số SIPAS đứng trong nhóm 15/63",
        ["province"],
        "lte",
        "15",
        "nhom",
        INDICES_WORDING,
    ),
]

# "gần đạt": 2 percentage points below a rate goal, 5 places beyond a rank goal.
RATE_WARNING_BAND = Decimal("2")
RANK_WARNING_BAND = Decimal("5")


def load(apps) -> None:
    """Create or update the plan, its focus areas, indicators and targets (idempotent)."""
    Plan = apps.get_model("targets", "Plan")
    FocusArea = apps.get_model("targets", "FocusArea")
    Indicator = apps.get_model("targets", "Indicator")
    Target = apps.get_model("targets", "Target")

    plan, _ = Plan.objects.update_or_create(number=PLAN["number"], defaults=PLAN)
    areas = {}
    for order, (code, name) in enumerate(FOCUS_AREAS, start=1):
        areas[code], _ = FocusArea.objects.update_or_create(
            plan=plan, code=code, defaults={"name": name, "order": order}
        )
    indicators = {}
    for order, (code, short, name, kind, agg, num, den, unit) in enumerate(INDICATORS, 1):
        indicators[code], _ = Indicator.objects.update_or_create(
            code=code,
            defaults={
                "short_name": short,
                "name": name,
                "kind": kind,
                "aggregation": agg,
                "numerator_label": num,
                "denominator_label": den,
                "unit": unit,
                "order": order,
            },
        )
    for order, (code, ind, area, name, levels, comp, threshold, commit, wording) in enumerate(
        TARGETS, 1
    ):
        Target.objects.update_or_create(
            plan=plan,
            code=code,
            defaults={
                "indicator": indicators[ind],
                "focus_area": areas[area] if area else None,
                "name": name,
                "wording": wording,
                "levels": levels,
                "comparator": comp,
                "threshold": Decimal(threshold),
                "commitment": commit,
                "warning_band": RANK_WARNING_BAND if comp == "lte" else RATE_WARNING_BAND,
                "order": order,
            },
        )
