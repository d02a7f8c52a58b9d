"""Fixed vocabularies of the demo plant: names, customers, products, reason codes.

Kept as ordered tuples (never sets or dicts iterated for output) so that every draw from
them is reproducible.
"""

from __future__ import annotations

import random

# (hanzi, pinyin, weight): the common surnames, roughly by frequency.
SURNAMES: tuple[tuple[str, str, int], ...] = (
    ("王", "Wang", 72),
    ("李", "Li", 70),
    ("张", "Zhang", 66),
    ("刘", "Liu", 54),
    ("陈", "Chen", 46),
    ("杨", "Yang", 34),
    ("黄", "Huang", 24),
    ("赵", "Zhao", 22),
    ("吴", "Wu", 21),
    ("周", "Zhou", 21),
    ("徐", "Xu", 16),
    ("孙", "Sun", 15),
    ("马", "Ma", 15),
    ("朱", "Zhu", 14),
    ("胡", "Hu", 13),
    ("郭", "Guo", 12),
    ("何", "He", 12),
    ("高", "Gao", 11),
    ("林", "Lin", 11),
    ("罗", "Luo", 10),
    ("郑", "Zheng", 10),
    ("梁", "Liang", 9),
    ("谢", "Xie", 8),
    ("宋", "Song", 7),
    ("唐", "Tang", 7),
    ("许", "Xu", 7),
    ("韩", "Han", 7),
    ("冯", "Feng", 7),
    ("邓", "Deng", 7),
    ("曹", "Cao", 6),
    ("彭", "Peng", 6),
    ("曾", "Zeng", 6),
    ("肖", "Xiao", 6),
    ("田", "Tian", 5),
    ("董", "Dong", 5),
    ("袁", "Yuan", 5),
    ("潘", "Pan", 5),
    ("于", "Yu", 5),
    ("蒋", "Jiang", 5),
    ("蔡", "Cai", 5),
    ("余", "Yu", 5),
    ("杜", "Du", 4),
    ("叶", "Ye", 4),
    ("程", "Cheng", 4),
    ("苏", "Su", 4),
    ("魏", "Wei", 4),
    ("吕", "Lyu", 4),
    ("丁", "Ding", 4),
    ("任", "Ren", 4),
    ("沈", "Shen", 4),
    ("姚", "Yao", 3),
    ("卢", "Lu", 3),
    ("姜", "Jiang", 3),
    ("崔", "Cui", 3),
    ("钟", "Zhong", 3),
    ("谭", "Tan", 3),
    ("陆", "Lu", 3),
    ("汪", "Wang", 3),
    ("范", "Fan", 3),
    ("金", "Jin", 3),
)
GIVEN_MALE: tuple[tuple[str, str], ...] = (
    ("伟", "wei"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("杰", "jie"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("刚", "gang"),
    ("平", "ping"),
    ("辉", "hui"),
    ("建", "jian"),
    ("国", "guo"),
    ("志", "zhi"),
    ("文", "wen"),
    ("海", "hai"),
    ("鹏", "peng"),
    ("宇", "yu"),
    ("浩", "hao"),
    ("飞", "fei"),
    ("鑫", "xin"),
    ("波", "bo"),
    ("斌", "bin"),
    ("俊", "jun"),
    ("峰", "feng"),
    ("亮", "liang"),
    ("凯", "kai"),
    ("成", "cheng"),
    ("龙", "long"),
    ("东", "dong"),
    ("德", "de"),
    ("荣", "rong"),
    ("立", "li"),
    ("新", "xin"),
    ("博", "bo"),
    ("睿", "rui"),
    ("晨", "chen"),
    ("嘉", "jia"),
)
GIVEN_FEMALE: tuple[tuple[str, str], ...] = (
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("艳", "yan"),
    ("娟", "juan"),
    ("秀", "xiu"),
    ("霞", "xia"),
    ("英", "ying"),
    ("华", "hua"),
    ("婷", "ting"),
    ("雪", "xue"),
    ("慧", "hui"),
    ("红", "hong"),
    ("玉", "yu"),
    ("兰", "lan"),
    ("琳", "lin"),
    ("倩", "qian"),
    ("佳", "jia"),
    ("欣", "xin"),
    ("玲", "ling"),
    ("丹", "dan"),
    ("萍", "ping"),
    ("燕", "yan"),
    ("晓", "xiao"),
    ("春", "chun"),
    ("梅", "mei"),
    ("颖", "ying"),
    ("璐", "lu"),
    ("思", "si"),
    ("怡", "yi"),
    ("月", "yue"),
    ("悦", "yue"),
    ("洁", "jie"),
)
_SURNAME_WEIGHTS = [w for _, _, w in SURNAMES]


def person_name(rng: random.Random, gender: str) -> tuple[str, str]:
    """A Chinese name and its pinyin reading, ``("张晓明", "Zhang Xiaoming")``."""
    hanzi, pinyin, _ = rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    pool = GIVEN_MALE if gender == "M" else GIVEN_FEMALE
    parts = [rng.choice(pool)] if rng.random() < 0.35 else [rng.choice(pool), rng.choice(pool)]
    given = "".join(h for h, _ in parts)
    given_en = "".join(p for _, p in parts)
    return hanzi + given, f"{pinyin} {given_en.capitalize()}"


# (name, abbreviation, city, region code, industry): key accounts are OEMs.
KEY_ACCOUNTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("一汽-大众汽车有限公司", "一汽大众", "长春", "NE", "Automotive OEM"),
    ("上汽通用汽车有限公司", "上汽通用", "上海", "EC", "Automotive OEM"),
    ("浙江吉利汽车有限公司", "吉利汽车", "杭州", "EC", "Automotive OEM"),
    ("比亚迪汽车工业有限公司", "比亚迪", "深圳", "SC", "Automotive OEM"),
    ("长城汽车股份有限公司", "长城汽车", "保定", "NC", "Automotive OEM"),
    ("广汽埃安新能源汽车股份有限公司", "广汽埃安", "广州", "SC", "Automotive OEM"),
    ("重庆长安汽车股份有限公司", "长安汽车", "重庆", "SW", "Automotive OEM"),
    ("奇瑞汽车股份有限公司", "奇瑞汽车", "芜湖", "EC", "Automotive OEM"),
)
TIER1: tuple[tuple[str, str, str, str, str], ...] = (
    ("延锋国际汽车技术有限公司", "延锋", "上海", "EC", "Tier-1 Supplier"),
    ("华域汽车系统股份有限公司", "华域汽车", "上海", "EC", "Tier-1 Supplier"),
    ("宁波拓普集团股份有限公司", "拓普集团", "宁波", "EC", "Tier-1 Supplier"),
    ("敏实汽车零部件有限公司", "敏实", "嘉兴", "EC", "Tier-1 Supplier"),
    ("宁波均胜电子股份有限公司", "均胜电子", "宁波", "EC", "Tier-1 Supplier"),
    ("万向钱潮股份有限公司", "万向钱潮", "杭州", "EC", "Tier-1 Supplier"),
    ("凌云工业股份有限公司", "凌云工业", "涿州", "NC", "Tier-1 Supplier"),
    ("长春一汽富维汽车零部件股份有限公司", "一汽富维", "长春", "NE", "Tier-1 Supplier"),
    ("东风汽车零部件(集团)有限公司", "东风零部件", "十堰", "CC", "Tier-1 Supplier"),
    ("富奥汽车零部件股份有限公司", "富奥股份", "长春", "NE", "Tier-1 Supplier"),
    ("上海保隆汽车科技股份有限公司", "保隆科技", "上海", "EC", "Tier-1 Supplier"),
    ("浙江亚太机电股份有限公司", "亚太机电", "杭州", "EC", "Tier-1 Supplier"),
)
SMALL_CITIES: tuple[tuple[str, str], ...] = (
    ("常州", "EC"),
    ("无锡", "EC"),
    ("昆山", "EC"),
    ("台州", "EC"),
    ("温州", "EC"),
    ("芜湖", "EC"),
    ("合肥", "EC"),
    ("武汉", "CC"),
    ("襄阳", "CC"),
    ("柳州", "SC"),
    ("佛山", "SC"),
    ("天津", "NC"),
    ("沈阳", "NE"),
    ("成都", "SW"),
    ("青岛", "NC"),
)
SMALL_WORDS: tuple[str, ...] = (
    "恒达",
    "鑫源",
    "华信",
    "瑞丰",
    "精工",
    "宏远",
    "永盛",
    "联创",
    "隆鑫",
    "金诚",
    "众力",
    "博远",
    "安泰",
    "利华",
    "新锐",
    "盛世",
    "康达",
    "鼎立",
    "天成",
    "卓越",
)
SMALL_SUFFIX: tuple[str, ...] = (
    "汽车配件有限公司",
    "汽车零部件有限公司",
    "机电有限公司",
    "汽配制造有限公司",
)

# Product families: (code stem, 中文, English, routing lines, base price CNY, material).
FAMILIES: tuple[tuple[str, str, str, tuple[str, ...], float, str], ...] = (
    ("BRK", "前副车架支架", "Front subframe bracket", ("WLD", "PNT"), 48.0, "钢板 Q235"),
    ("EMB", "发动机悬置支架", "Engine mount bracket", ("MCH", "WLD", "PNT"), 86.0, "钢板 SAPH440"),
    ("BPB", "电池包安装支架", "Battery pack bracket", ("WLD", "PNT"), 64.0, "钢板 DC01"),
    ("SFR", "前排座椅骨架", "Front seat frame", ("WLD", "PNT", "ASM"), 265.0, "钢管 STKM13A"),
    (
        "SBF",
        "后排座椅靠背骨架",
        "Rear seat back frame",
        ("WLD", "PNT", "ASM"),
        198.0,
        "钢管 STKM13A",
    ),
    ("STR", "座椅滑轨总成", "Seat track assembly", ("MCH", "ASM"), 122.0, "冷轧卷 SPCC"),
    ("EXH", "排气管吊耳", "Exhaust hanger", ("MCH", "WLD"), 12.5, "圆钢 SUS409"),
    ("MFH", "消声器吊架", "Muffler hanger bracket", ("MCH", "WLD", "PNT"), 18.0, "圆钢 SUS409"),
    ("CCB", "仪表板横梁", "Cross car beam", ("WLD", "PNT", "ASM"), 310.0, "钢管 STKM11A"),
    ("KNU", "转向节", "Steering knuckle", ("MCH", "PNT"), 145.0, "铸件 QT450"),
    ("HUB", "轮毂法兰", "Hub flange", ("MCH",), 72.0, "锻件 45#"),
    ("BCB", "制动钳支架", "Brake caliper bracket", ("MCH", "PNT"), 58.0, "铸件 QT500"),
    ("DHG", "车门铰链", "Door hinge", ("MCH", "ASM"), 26.0, "钢板 SAPH370"),
    ("RSB", "散热器支架", "Radiator support bracket", ("WLD", "PNT"), 54.0, "钢板 DC03"),
    ("BMB", "保险杠支架", "Bumper bracket", ("WLD", "PNT"), 39.0, "钢板 Q235"),
)
VARIANTS: tuple[tuple[str, str], ...] = (("A", "A型"), ("B", "B型"), ("C", "C型"))

# Line kinds: (中文, English, typical ideal cycle seconds, standard labour hours per unit).
# The labour standard is the crew's time per unit (loading, fixtures, checks, manual
# stations), set so an average crew earns about its target of standard per attended hour.
LINE_KINDS: dict[str, tuple[str, str, float, float]] = {
    "WLD": ("焊装线", "Welding line", 52.0, 0.104),
    "PNT": ("涂装线", "Painting line", 30.0, 0.104),
    "ASM": ("总装线", "Assembly line", 75.0, 0.420),
    "MCH": ("机加线", "Machining line", 58.0, 0.078),
}
MACHINE_NAMES: dict[str, tuple[str, str]] = {
    "WLD": ("焊接机器人", "Welding robot"),
    "PNT": ("喷涂工位", "Paint booth"),
    "ASM": ("装配工位", "Assembly station"),
    "MCH": ("数控加工中心", "CNC machining centre"),
}

# (code, 中文) per line kind; used by QMS defects.
DEFECTS: dict[str, tuple[tuple[str, str], ...]] = {
    "WLD": (
        ("W01", "虚焊"),
        ("W02", "焊穿"),
        ("W03", "焊偏"),
        ("W04", "气孔"),
        ("W05", "焊渣飞溅"),
    ),
    "PNT": (("P01", "流挂"), ("P02", "橘皮"), ("P03", "漏涂"), ("P04", "颗粒"), ("P05", "色差")),
    "ASM": (("A01", "漏装"), ("A02", "错装"), ("A03", "扭矩不合格"), ("A04", "划伤")),
    "MCH": (("M01", "尺寸超差"), ("M02", "毛刺"), ("M03", "表面粗糙度不合格"), ("M04", "刀痕")),
}
# Unplanned downtime reasons: (code, text, line kinds it applies to).
DOWN_REASONS: tuple[tuple[str, str, str], ...] = (
    ("D01", "设备故障-机械 mechanical failure", "WLD PNT ASM MCH"),
    ("D02", "设备故障-电气 electrical failure", "WLD PNT ASM MCH"),
    ("D03", "机器人报警 robot alarm", "WLD"),
    ("D04", "缺料待料 material shortage", "WLD PNT ASM MCH"),
    ("D05", "质量异常停线 quality stop", "WLD PNT ASM MCH"),
    ("D06", "工装夹具故障 fixture failure", "WLD ASM"),
    ("D07", "刀具破损 tool breakage", "MCH"),
    ("D08", "喷枪堵塞 spray gun clogged", "PNT"),
)
PLANNED_STOPS: dict[str, str] = {
    "S01": "就餐休息 meal break",
    "S02": "换型 changeover",
    "S03": "计划保养 planned maintenance",
    "S04": "无排班 no shift scheduled",
    "S05": "节假日停产 holiday shutdown",
}

CARRIERS: tuple[str, ...] = ("顺丰物流", "德邦物流", "安吉物流", "中铁快运", "自有车队")
VENDORS: tuple[tuple[str, str], ...] = (
    ("V001", "宝钢股份"),
    ("V002", "鞍钢股份"),
    ("V003", "首钢股份"),
    ("V004", "立邦涂料"),
    ("V005", "PPG涂料(天津)"),
    ("V006", "苏州恒久紧固件"),
    ("V007", "无锡精密铸造"),
    ("V008", "常州锻压"),
)
# Transit hours from the plant (Suzhou area) per customer region.
TRANSIT_HOURS: dict[str, tuple[int, int]] = {
    "EC": (3, 12),
    "NC": (18, 30),
    "NE": (30, 48),
    "SC": (24, 40),
    "SW": (36, 56),
    "CC": (18, 30),
}

# Chinese New Year (Spring Festival) dates: the plant shuts for about a week around them.
SPRING_FESTIVAL: tuple[str, ...] = (
    "2024-02-10",
    "2025-01-29",
    "2026-02-17",
    "2027-02-06",
    "2028-01-26",
    "2029-02-13",
    "2030-02-03",
    "2031-01-23",
    "2032-02-11",
)
# Other statutory holidays the plant observes with a skeleton day shift only (MM-DD).
HOLIDAYS: tuple[str, ...] = ("01-01", "05-01", "05-02", "05-03", "10-01", "10-02", "10-03")

PLANT_CITIES: tuple[tuple[str, str], ...] = (
    ("苏州", "Suzhou"),
    ("武汉", "Wuhan"),
    ("长春", "Changchun"),
    ("佛山", "Foshan"),
    ("重庆", "Chongqing"),
    ("天津", "Tianjin"),
    ("宁波", "Ningbo"),
    ("柳州", "Liuzhou"),
    ("合肥", "Hefei"),
    ("成都", "Chengdu"),
)
