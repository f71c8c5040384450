"""Write the county-office registers in this folder, and what a reader should make of them.

Run ``python tests/data/office/make_registers.py`` to remake every file (deterministic: the
same bytes each time, xlsx timestamps included). Each register is written twice: as an office
keeps it (title rows, Chinese headers, text needs, GBK, ...) and as ``*.expected.csv`` in
pairmatch's own columns. The expected tables are computed here from the text written into the
register by the rules of issue 19 (see ``needs()`` and ``tags()``), not typed by hand, so the
two cannot drift apart. Everything is made up: the county 青溪县 does not exist, the ID
numbers use the unused area code 420599, the phones are 139 0000 xxxx.

The reader code was not read while writing this (by design: the data is a blind test).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WILD = HERE / "wild"

PROVINCE, CITY, COUNTY = "湖北省", "宜昌市", "青溪县"
# township -> (lat, lon of its seat, villages)
TOWNSHIPS = {
    "城关镇": (30.712, 111.302, ["东门社区", "西街社区", "桃园村"]),
    "石门乡": (30.628, 111.184, ["石门村", "柳树坪村", "马鞍村"]),
    "青林镇": (30.804, 111.447, ["青林村", "双河村", "杨家湾村"]),
    "白溪乡": (30.581, 111.506, ["白溪村", "黄土岭村", "水竹园村"]),
}

CHILD_COLUMNS = [
    "id", "lat", "lon", "province", "city", "county", "township", "village", "category",
    "need_study", "need_life", "need_psychological", "need_safety", "interests",
    "guardian_consent", "name", "gender", "id_number",
]  # fmt: skip
VOLUNTEER_COLUMNS = [
    "id", "lat", "lon", "province", "city", "county", "township", "village", "skill_study",
    "skill_life", "skill_psychological", "skill_safety", "specialities", "capacity",
    "max_distance_km", "eligible", "active", "name", "phone",
]  # fmt: skip
DIMS = ["study", "life", "psychological", "safety"]

# ---------------------------------------------------------------------------------------------
# The rules of issue 19, applied literally (this is the oracle for the expected files)

KEYWORDS = {"学业": "study", "学习": "study", "生活": "life", "心理": "psychological",
            "情感": "psychological", "安全": "safety", "监护": "safety"}  # fmt: skip
SEVERITY = {"一般": 1, "较重": 2, "严重": 3}
LEVEL = {"一般": 1, "熟练": 2, "擅长": 3}
SPLIT = re.compile(r"[、，,；;\s]+")
CATEGORIES = {
    "农村留守儿童": "left_behind", "留守儿童": "left_behind", "散居孤儿": "scattered_orphan",
    "孤儿": "scattered_orphan", "孤弃儿童": "scattered_orphan",
    "事实无人抚养儿童": "no_guardian_care", "困境儿童": "other_difficulty",
    "其他困境儿童": "other_difficulty",
}  # fmt: skip
YES = {"是", "同意", "有", "√"}
NO = {"否", "不同意", "无", "×"}
FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")


def needs(text: str, words: dict[str, int] = SEVERITY) -> dict[str, int]:
    """Levels per dimension from text such as '学业辅导（严重）、心理疏导（一般）'.

    Each phrase must name exactly one dimension (the registers here are written so); a
    phrase without a level word counts 2; a dimension named twice keeps the higher level.
    """
    out = dict.fromkeys(DIMS, 0)
    for phrase in SPLIT.split(text.strip()):
        if not phrase:
            continue
        dims = {d for k, d in KEYWORDS.items() if k in phrase}
        assert len(dims) == 1, phrase
        levels = [v for w, v in words.items() if w in phrase]
        assert len(levels) <= 1, phrase
        (dim,) = dims
        out[dim] = max(out[dim], levels[0] if levels else 2)
    return out


def tags(text: str) -> str:
    """Interests / specialities: split, lower case, without repeats, sorted, joined by ';'."""
    return ";".join(sorted({t.lower() for t in SPLIT.split(text.strip()) if t}))


def yes(text: str) -> bool:
    t = text.strip()
    assert t in YES | NO, t
    return t in YES


def category(text: str) -> str:
    """The category of a cell, a parenthesised note after it ignored (the wild files)."""
    return CATEGORIES[re.sub(r"[（(].*[)）]$", "", text.strip())]


# ---------------------------------------------------------------------------------------------
# People

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘向覃"
GIRL = ["欣怡", "梓涵", "诗琪", "雨桐", "思雨", "佳怡", "可馨", "紫涵", "梦瑶", "语嫣", "若曦"]
BOY = ["浩然", "子轩", "宇航", "俊杰", "梓豪", "明轩", "博文", "天佑", "晨阳", "皓轩", "家豪"]
MOTHER = ["秀英", "桂兰", "丽华", "春梅", "晓燕", "红霞", "玉珍", "美玲", "翠平", "小芳", "慧敏"]
INTERESTS = ["画画", "唱歌", "跳舞", "篮球", "足球", "乒乓球", "阅读", "书法", "下棋", "手工",
             "英语", "跳绳", "羽毛球", "讲故事", "DIY手工", "编程"]  # fmt: skip
SPECIALITIES = ["画画", "唱歌", "跳舞", "书法", "阅读", "手工", "篮球", "英语", "烹饪",
                "讲故事", "diy手工", "乒乓球"]  # fmt: skip
NEED_WORDS = {
    "study": ["学业辅导", "学习辅导", "学习帮扶"],
    "life": ["生活照料", "生活帮扶"],
    "psychological": ["心理疏导", "情感陪伴", "心理关爱"],
    "safety": ["安全教育", "安全保护", "监护指导"],
}
SKILL_WORDS = {
    "study": ["学业辅导", "学习辅导"],
    "life": ["生活照料", "生活技能"],
    "psychological": ["心理疏导", "心理咨询", "情感陪伴"],
    "safety": ["安全教育", "监护指导"],
}


def id_number(rng: random.Random, born: dt.date, female: bool) -> str:
    """An 18-digit number of the right shape (valid check digit) under the unused code 420599."""
    seq = rng.randrange(10, 99) * 10 + rng.choice([0, 2, 4, 6, 8] if female else [1, 3, 5, 7, 9])
    body = f"420599{born:%Y%m%d}{seq:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def spot(rng: random.Random, township: str) -> tuple[float, float, str]:
    lat, lon, villages = TOWNSHIPS[township]
    return (round(lat + rng.uniform(-0.02, 0.02), 6), round(lon + rng.uniform(-0.02, 0.02), 6),
            rng.choice(villages))  # fmt: skip


def need_text(rng: random.Random, seps: list[str], paren: tuple[str, str] = ("（", "）")) -> str:
    dims = rng.sample(DIMS, rng.choice([1, 1, 2, 2, 2, 3]))
    parts = []
    for d in dims:
        word = rng.choice(NEED_WORDS[d])
        sev = rng.choice(["", "一般", "较重", "严重", "严重"])
        parts.append(f"{word}{paren[0]}{sev}{paren[1]}" if sev else word)
    return rng.choice(seps).join(parts)


def skill_text(rng: random.Random, dims: list[str], seps: list[str]) -> str:
    parts = []
    for d in dims:
        word = rng.choice(SKILL_WORDS[d])
        lvl = rng.choice(["", "熟练", "擅长", "擅长", "一般"])
        parts.append(f"{word}（{lvl}）" if lvl else word)
    return rng.choice(seps).join(parts)


def make_children(seed: int, n: int, townships: list[str], prefix: str, cats: list[str],
                  seps: list[str], tag_seps: list[str], consent: tuple[str, str],
                  refuse: set[int]) -> list[dict]:  # fmt: skip
    """Rows as the register writes them (Chinese text), one dict per child."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        female = rng.random() < 0.5
        born = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 10))
        township = townships[i % len(townships)]
        lat, lon, village = spot(rng, township)
        k = rng.choice([0, 1, 2, 2, 3])
        rows.append({
            "编号": f"{prefix}{i + 1:03d}",
            "姓名": rng.choice(SURNAMES) + rng.choice(GIRL if female else BOY),
            "性别": "女" if female else "男",
            "身份证号": id_number(rng, born, female),
            "出生日期": born,
            "乡镇": township, "村": village, "经度": lon, "纬度": lat,
            "类别": cats[i % len(cats)],
            "监护人同意": consent[1] if i in refuse else consent[0],
            "需求": need_text(rng, seps),
            "兴趣爱好": rng.choice(tag_seps).join(rng.sample(INTERESTS, k)),
        })  # fmt: skip
    return rows


def make_volunteers(seed: int, n: int, townships: list[str], prefix: str, seps: list[str],
                    record: set[int], off: set[int], yn_record: tuple[str, str],
                    yn_active: tuple[str, str]) -> list[dict]:  # fmt: skip
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        township = townships[i % len(townships)]
        lat, lon, village = spot(rng, township)
        # two or three skills, turning through the dimensions so every need has someone
        dims = [DIMS[i % 4], DIMS[(i + 1) % 4]] + ([DIMS[(i + 2) % 4]] if i % 3 == 0 else [])
        rows.append({
            "编号": f"{prefix}{i + 1:03d}",
            "姓名": rng.choice(SURNAMES) + rng.choice(MOTHER),
            "手机号": f"1390000{rng.randrange(0, 10000):04d}",
            "乡镇": township, "村": village, "经度": lon, "纬度": lat,
            "特长": skill_text(rng, dims, seps),
            "兴趣特长": rng.choice(["、", "，", " "]).join(
                rng.sample(SPECIALITIES, rng.choice([1, 2, 3]))),
            "可结对人数": rng.choice([2, 3, 3]),
            "服务半径": rng.choice([None, 5, 8, 10, 15]),
            "违法犯罪记录": yn_record[0] if i in record else yn_record[1],
            "在岗": yn_active[1] if i in off else yn_active[0],
        })  # fmt: skip
    return rows


# ---------------------------------------------------------------------------------------------
# Expected (canonical) tables


def child_expected(r: dict, province: str, city: str, county: str) -> dict:
    lv = needs(r["需求"]) if isinstance(r["需求"], str) else r["需求"]
    return {
        "id": r["编号"], "lat": r["纬度"], "lon": r["经度"], "province": province,
        "city": city, "county": county, "township": r["乡镇"], "village": r["村"],
        "category": category(r["类别"]), **{f"need_{d}": lv[d] for d in DIMS},
        "interests": tags(r["兴趣爱好"]), "guardian_consent": yes(r["监护人同意"]),
        "name": r["姓名"], "gender": "female" if r["性别"] == "女" else "male",
        "id_number": r["身份证号"],
    }  # fmt: skip


def volunteer_expected(r: dict, province: str, city: str, county: str) -> dict:
    lv = needs(r["特长"], LEVEL) if isinstance(r["特长"], str) else r["特长"]
    return {
        "id": r["编号"], "lat": r["纬度"], "lon": r["经度"], "province": province,
        "city": city, "county": county, "township": r["乡镇"], "village": r["村"],
        **{f"skill_{d}": lv[d] for d in DIMS}, "specialities": tags(r["兴趣特长"]),
        "capacity": r["可结对人数"], "max_distance_km": r["服务半径"],
        "eligible": not yes(r["违法犯罪记录"]), "active": yes(r["在岗"]),
        "name": r["姓名"], "phone": r["手机号"],
    }  # fmt: skip


def write_expected(path: Path, rows: list[dict], columns: list[str]) -> None:
    def cell(v: object) -> str:
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return repr(v)
        return str(v)

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([cell(r[c]) for c in columns])
    path.write_text(buf.getvalue(), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Writers

FIXED_TIME = dt.datetime(2026, 3, 10, 9, 0, 0)


def save_xlsx(wb, path: Path, application: str | None = None) -> None:
    """Save with fixed timestamps (and, for the WPS-like files, WPS's application name)."""
    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.properties.creator = wb.properties.lastModifiedBy = "青溪县妇联"
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2026-03-10T09:00:00Z", data)
            if application and info.filename == "docProps/app.xml":
                data = re.sub(
                    rb"<Application>.*?</Application>",
                    f"<Application>{application}</Application>".encode(),
                    data,
                )
                data = re.sub(rb"<AppVersion>.*?</AppVersion>", b"<AppVersion>12.1000</AppVersion>",
                              data)  # fmt: skip
            zi = zipfile.ZipInfo(info.filename, date_time=(2026, 3, 10, 9, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(zi, data)


def write_csv(path: Path, rows: list[list], encoding: str) -> None:
    """As Excel writes 'CSV': CRLF line ends, fields quoted only when they must be."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def title_sheet(ws, title: str, second: list[tuple[str, int]], headers: list[str]) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side

    thin = Side(style="thin")
    n = len(headers)
    ws.cell(1, 1, title).font = Font(name="宋体", size=16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    ws.row_dimensions[1].height = 30
    col = 1
    for text, width in second:
        ws.cell(2, col, text)
        ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + width - 1)
        col += width
    for j, h in enumerate(headers, 1):
        c = ws.cell(3, j, h)
        c.font = Font(name="宋体", bold=True)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = Border(left=thin, right=thin, top=thin, bottom=thin)


# ---------------------------------------------------------------------------------------------
# 1-2: the designed xlsx pair, under title rows


def designed_xlsx() -> None:
    from openpyxl import Workbook

    kids = make_children(
        1901, 24, list(TOWNSHIPS), "ET", list(CATEGORIES), ["、", "，", ",", "；", ";", " "],
        ["、", "，", ",", "；", ";", " "], ("是", "否"), {5, 17},
    )  # fmt: skip
    headers = ["儿童编号", "姓名", "性别", "身份证号", "出生日期", "省", "市", "县（区）",
               "乡镇（街道）", "村（社区）", "经度", "纬度", "儿童类别", "监护人是否同意",
               "帮扶需求", "兴趣爱好"]  # fmt: skip
    wb = Workbook()
    info = wb.active
    info.title = "填表说明"
    for i, line in enumerate([
        "填表说明",
        "1. 本表由乡镇（街道）妇联填报，县妇联汇总。",
        "2. 儿童类别填写：农村留守儿童、散居孤儿、事实无人抚养儿童、其他困境儿童。",
        "3. 帮扶需求填写需求及程度（一般、较重、严重），多项用顿号隔开。",
        "4. 监护人是否同意结对帮扶，填“是”或“否”。",
        "5. 身份证号请设置为文本格式，勿填写科学计数法。",
    ], 1):  # fmt: skip
        info.cell(i, 1, line)
    info.column_dimensions["A"].width = 70
    ws = wb.create_sheet("留守儿童台账")
    title_sheet(ws, f"{COUNTY}农村留守儿童关爱帮扶台账（2026年）",
                [(f"填报单位：{COUNTY}妇女联合会（盖章）", 8), ("填报日期：2026年3月10日", 8)],
                headers)  # fmt: skip
    row = 4
    for i, r in enumerate(kids):
        if i == 11:
            row += 1  # a blank row inside the register
        vals = [r["编号"], r["姓名"], r["性别"], r["身份证号"], r["出生日期"], PROVINCE, CITY,
                COUNTY, r["乡镇"], r["村"], r["经度"], r["纬度"], r["类别"], r["监护人同意"],
                r["需求"], r["兴趣爱好"]]  # fmt: skip
        for j, v in enumerate(vals, 1):
            c = ws.cell(row, j, v)
            if j == 4:
                c.number_format = "@"
            if j == 5:
                c.number_format = "yyyy-mm-dd"
        row += 1
    ws.cell(row, 1, "合计")
    ws.cell(row, 2, f"{len(kids)}人")
    for col, width in zip("ABCDEFGHIJKLMNOP", [10, 8, 6, 21, 12, 8, 8, 8, 12, 12, 11, 11, 16,
                                                 10, 34, 20], strict=True):  # fmt: skip
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A4"
    save_xlsx(wb, HERE / "children_title.xlsx")
    write_expected(
        HERE / "children_title.expected.csv",
        [child_expected(r, PROVINCE, CITY, COUNTY) for r in kids],
        CHILD_COLUMNS,
    )

    vols = make_volunteers(
        1902, 12, list(TOWNSHIPS), "AM", ["、", "，", "；", " "], {7}, {10}, ("有", "无"),
        ("是", "否"),
    )  # fmt: skip
    headers = ["编号", "姓名", "手机号", "省", "市", "县（区）", "乡镇（街道）", "村（社区）",
               "经度", "纬度", "专长", "兴趣特长", "可结对人数", "服务半径（公里）",
               "是否有违法犯罪记录", "是否在岗"]  # fmt: skip
    wb = Workbook()
    ws = wb.active
    ws.title = "爱心妈妈登记表"
    title_sheet(
        ws,
        f"{COUNTY}“爱心妈妈”志愿者登记表",
        [(f"填报单位：{COUNTY}妇女联合会", 8), ("填报日期：2026年3月10日", 8)],
        headers,
    )
    for i, r in enumerate(vols):
        vals = [r["编号"], r["姓名"], int(r["手机号"]), PROVINCE, CITY, COUNTY, r["乡镇"], r["村"],
                r["经度"], r["纬度"], r["特长"], r["兴趣特长"], r["可结对人数"], r["服务半径"],
                r["违法犯罪记录"], r["在岗"]]  # fmt: skip
        for j, v in enumerate(vals, 1):
            ws.cell(4 + i, j, v)  # the phone is a number cell, as typed into Excel
    save_xlsx(wb, HERE / "volunteers_title.xlsx")
    write_expected(HERE / "volunteers_title.expected.csv",
                   [volunteer_expected(r, PROVINCE, CITY, COUNTY) for r in vols],
                   VOLUNTEER_COLUMNS)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# 3: the designed GBK CSV pair (Excel's 'CSV' in China); short place names in both


def designed_gbk() -> None:
    prov, city, county = "湖北", "宜昌", "青溪"
    kids = make_children(
        1903, 16, ["城关镇", "石门乡"], "QX2026-", ["孤儿", "困境儿童", "留守儿童", "散居孤儿",
        "事实无人抚养儿童"], ["、", "，", "；"], ["、", " ", "，"], ("同意", "不同意"), {9},
    )  # fmt: skip
    headers = ["编号", "姓名", "性别", "身份证号码", "出生日期", "省", "市", "区县", "乡镇", "村",
               "纬度", "经度", "类别", "监护人同意", "需求", "兴趣爱好"]  # fmt: skip
    rows: list[list] = [[f"{county}县困境儿童基本信息表"] + [""] * (len(headers) - 1), headers]
    for r in kids:
        rows.append([r["编号"], r["姓名"], r["性别"], r["身份证号"], f"{r['出生日期']:%Y-%m-%d}",
                     prov, city, county, r["乡镇"], r["村"], r["纬度"], r["经度"], r["类别"],
                     r["监护人同意"], r["需求"], r["兴趣爱好"]])  # fmt: skip
    write_csv(HERE / "children_gbk.csv", rows, "gbk")
    write_expected(
        HERE / "children_gbk.expected.csv",
        [child_expected(r, prov, city, county) for r in kids],
        CHILD_COLUMNS,
    )

    vols = make_volunteers(
        1904, 8, ["城关镇", "石门乡"], "V", ["、", "；", ","], {3}, {6}, ("有", "无"),
        ("√", "×"),
    )  # fmt: skip
    headers = [
        "编号",
        "姓名",
        "手机号",
        "省",
        "市",
        "县",
        "乡镇",
        "村",
        "经度",
        "纬度",
        "特长",
        "兴趣特长",
        "可结对人数",
        "服务半径（公里）",
        "是否有违法犯罪记录",
        "是否在岗",
    ]
    rows = [headers]
    for r in vols:
        rows.append([r["编号"], r["姓名"], r["手机号"], prov, city, county, r["乡镇"], r["村"],
                     r["经度"], r["纬度"], r["特长"], r["兴趣特长"], r["可结对人数"],
                     "" if r["服务半径"] is None else r["服务半径"], r["违法犯罪记录"],
                     r["在岗"]])  # fmt: skip
    write_csv(HERE / "volunteers_gbk.csv", rows, "gbk")
    write_expected(HERE / "volunteers_gbk.expected.csv",
                   [volunteer_expected(r, prov, city, county) for r in vols],
                   VOLUNTEER_COLUMNS)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# 4a: wild, "should read": UTF-8-with-BOM CSVs as Excel's "CSV UTF-8" writes them


def fw(text: str) -> str:
    """Full-width digits, as typed with a Chinese input method left in full-width mode."""
    return text.translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))


def wild_bom() -> None:
    kids = make_children(
        1905, 20, ["青林镇", "白溪乡"], "LS", ["农村留守儿童（父母均外出）",
        "农村留守儿童（父亲外出）", "事实无人抚养儿童（父亲服刑）", "困境儿童（重病）",
        "散居孤儿", "农村留守儿童（母亲外出）"], ["、", "，"], ["、", "，", " "], ("是", "否"),
        {12},
    )  # fmt: skip
    rng = random.Random(1906)
    headers = ["序号", "儿童编号", "姓  名", "性别", "身份证号", "出生日期", "省", "市", "县",
               "乡镇", "村", "经度", "纬度", "儿童类别", "监护人\n是否同意", "帮扶需求",
               "兴趣爱好", "监护人姓名", "联系电话", "备注"]  # fmt: skip
    rows: list[list] = [headers]
    for i, r in enumerate(kids):
        born = r["出生日期"]
        y, m, d = born.year, born.month, born.day
        date = f"{y}/{m}/{d}" if i % 2 else f"{y}年{m}月{d}日"
        consent = f" {r['监护人同意']} " if i % 5 == 0 else r["监护人同意"]  # stray spaces
        name = r["姓名"] + (" " if i % 7 == 3 else "")
        rows.append([
            fw(str(i + 1)) if i % 4 == 0 else i + 1, r["编号"], name, r["性别"], r["身份证号"],
            date,
            PROVINCE, CITY, COUNTY, r["乡镇"], r["村"], r["经度"], r["纬度"], r["类别"], consent,
            r["需求"], r["兴趣爱好"], rng.choice(SURNAMES) + rng.choice(MOTHER + BOY),
            f"1390000{rng.randrange(0, 10000):04d}",
            rng.choice(["", "", "", "奶奶监护", "父母在广东务工", "2025年新增"]),
        ])  # fmt: skip
    write_csv(WILD / "children_bom.csv", rows, "utf-8-sig")
    write_expected(
        WILD / "children_bom.expected.csv",
        [child_expected(r, PROVINCE, CITY, COUNTY) for r in kids],
        CHILD_COLUMNS,
    )

    vols = make_volunteers(
        1907, 10, ["青林镇", "白溪乡"], "AM-QL-", ["、", "，"], {4}, {8}, ("有", "无"),
        ("是", "否"),
    )  # fmt: skip
    headers = ["序号", "编号", "姓名", "手机号", "省", "市", "县", "乡镇", "村", "经度", "纬度",
               "专长", "兴趣特长", "可结对\n人数", "服务半径\n（公里）", "是否有违法\n犯罪记录",
               "是否在岗", "备注"]  # fmt: skip
    rows = [headers]
    for i, r in enumerate(vols):
        cap, radius = str(r["可结对人数"]), "" if r["服务半径"] is None else str(r["服务半径"])
        if i % 2 == 0:
            cap, radius = fw(cap), fw(radius)
        rows.append([i + 1, r["编号"], r["姓名"], r["手机号"], PROVINCE, CITY, "青溪", r["乡镇"],
                     r["村"], r["经度"], r["纬度"], r["特长"], r["兴趣特长"], cap, radius,
                     r["违法犯罪记录"], r["在岗"],
                     "已调离" if r["在岗"] == "否" else ""])  # fmt: skip
    write_csv(WILD / "volunteers_bom.csv", rows, "utf-8-sig")
    write_expected(WILD / "volunteers_bom.expected.csv",
                   [volunteer_expected(r, PROVINCE, CITY, "青溪") for r in vols],
                   VOLUNTEER_COLUMNS)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# 4b: wild, "read or refuse clearly": a township's WPS-style xlsx with a two-row header


def two_row_header(ws, top: list[tuple[str, list[str] | None]], first_row: int) -> int:
    """Header cells in rows first_row and first_row+1: a group over its sub-columns, or one
    cell merged down both rows. Returns the number of columns."""
    from openpyxl.styles import Alignment

    col = 1
    for name, subs in top:
        ws.cell(first_row, col, name).alignment = Alignment(horizontal="center", wrap_text=True)
        if subs:
            ws.merge_cells(start_row=first_row, start_column=col, end_row=first_row,
                           end_column=col + len(subs) - 1)  # fmt: skip
            for k, s in enumerate(subs):
                ws.cell(first_row + 1, col + k, s).alignment = Alignment(wrap_text=True)
            col += len(subs)
        else:
            ws.merge_cells(start_row=first_row, start_column=col, end_row=first_row + 1,
                           end_column=col)  # fmt: skip
            col += 1
    return col - 1


def wild_wps() -> None:
    from openpyxl import Workbook

    rng = random.Random(1908)
    sub = ["学业辅导", "生活照料", "心理疏导", "安全保护"]
    kids = make_children(
        1909, 14, ["石门乡"], "SM", ["孤儿", "事实无人抚养儿童", "农村留守儿童", "其他困境儿童"],
        ["、"], ["、", "，"], ("√", "×"), {3},
    )  # fmt: skip
    for r in kids:  # needs as ticks: a tick names a need without a severity, so it counts 2
        ticked = {d for d in DIMS if rng.random() < 0.45} or {rng.choice(DIMS)}
        r["需求"] = {d: 2 if d in ticked else 0 for d in DIMS}
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    top = [("序号", None), ("儿童编号", None), ("姓名", None), ("性别", None), ("身份证号码", None),
           ("出生日期", None), ("县（区）", None), ("乡镇（街道）", None), ("村（社区）", None),
           ("经度", None), ("纬度", None), ("儿童类别", None), ("帮扶需求", sub),
           ("兴趣爱好", None), ("监护人情况", ["姓名", "联系电话", "是否同意结对"]),
           ("备注", None)]  # fmt: skip
    ws.cell(1, 1, "石门乡困境儿童关爱帮扶花名册")
    n = sum(len(s) if s else 1 for _, s in top)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    ws.cell(2, 1, "填报单位：石门乡人民政府（盖章）                    填报时间：2026年3月")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n)
    assert two_row_header(ws, top, 3) == n
    row = 5
    for i, r in enumerate(kids):
        b = r["出生日期"]
        vals = [i + 1, r["编号"], r["姓名"], r["性别"], r["身份证号"],
                f"{b.year}年{b.month}月{b.day}日" if i % 3 else f"{b.year}.{b.month}.{b.day}",
                COUNTY, r["乡镇"], r["村"], r["经度"], r["纬度"], r["类别"],
                *["√" if r["需求"][d] else "" for d in DIMS], r["兴趣爱好"],
                rng.choice(SURNAMES) + rng.choice(MOTHER), f"1390000{rng.randrange(10000):04d}",
                r["监护人同意"], rng.choice(["", "", "低保户", "随祖父母生活"])]  # fmt: skip
        for j, v in enumerate(vals, 1):
            ws.cell(row, j, v)
        row += 1
    ws.cell(row, 1, "合计")
    ws.cell(row, 3, f"{len(kids)}人")
    ws.cell(row + 2, 1, "填表人：向某某        联系电话：0717-0000000        审核人：覃某某")
    save_xlsx(wb, WILD / "children_wps.xlsx", application="WPS 表格")
    write_expected(
        WILD / "children_wps.expected.csv",
        [child_expected(r, "", "", COUNTY) for r in kids],
        CHILD_COLUMNS,
    )

    vols = make_volunteers(
        1910, 7, ["石门乡"], "SM-AM", ["、"], {5}, {2}, ("√", "×"), ("√", "×"),
    )  # fmt: skip
    for i, r in enumerate(vols):  # skills as a level word per skill column
        lv = {d: 0 for d in DIMS}
        for k in range(2 + (i % 2)):
            lv[DIMS[(i + k) % 4]] = rng.choice([1, 2, 3, 3])
        r["特长"] = lv
    words = {0: "", 1: "一般", 2: "熟练", 3: "擅长"}
    wb = Workbook()
    ws = wb.active
    ws.title = "爱心妈妈"
    top = [("序号", None), ("编号", None), ("姓名", None), ("手机号", None), ("县（区）", None),
           ("乡镇（街道）", None), ("村（社区）", None), ("经度", None), ("纬度", None),
           ("专长（填擅长/熟练/一般）", sub), ("兴趣特长", None), ("可结对人数", None),
           ("服务半径（公里）", None), ("是否有违法犯罪记录", None),
           ("是否在岗", None)]  # fmt: skip
    ws.cell(1, 1, "石门乡“爱心妈妈”花名册")
    n = sum(len(s) if s else 1 for _, s in top)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    assert two_row_header(ws, top, 2) == n
    for i, r in enumerate(vols):
        vals = [i + 1, r["编号"], r["姓名"], r["手机号"], COUNTY, r["乡镇"], r["村"], r["经度"],
                r["纬度"], *[words[r["特长"][d]] for d in DIMS], r["兴趣特长"], r["可结对人数"],
                r["服务半径"], r["违法犯罪记录"], r["在岗"]]  # fmt: skip
        for j, v in enumerate(vals, 1):
            ws.cell(4 + i, j, v)
    save_xlsx(wb, WILD / "volunteers_wps.xlsx", application="WPS 表格")
    write_expected(
        WILD / "volunteers_wps.expected.csv",
        [volunteer_expected(r, "", "", COUNTY) for r in vols],
        VOLUNTEER_COLUMNS,
    )


# ---------------------------------------------------------------------------------------------
# 4c: wild, "refuse clearly": registers no reader can read right


def wild_errors() -> None:
    kids = make_children(
        1911, 8, ["城关镇"], "ET9", ["留守儿童"], ["、"], ["、"], ("是", "否"), set(),
    )  # fmt: skip
    headers = ["编号", "姓名", "性别", "身份证号", "省", "市", "县", "乡镇", "村", "经度", "纬度",
               "类别", "监护人是否同意", "需求", "兴趣爱好"]  # fmt: skip

    def row(r: dict, idn: str, cat: str) -> list:
        return [r["编号"], r["姓名"], r["性别"], idn, PROVINCE, CITY, COUNTY, r["乡镇"], r["村"],
                r["经度"], r["纬度"], cat, r["监护人同意"], r["需求"], r["兴趣爱好"]]  # fmt: skip

    # ID numbers that went through a number cell: Excel kept 15 significant digits and wrote
    # them in scientific notation; the last digits are gone for good.
    sci = [headers] + [row(r, f"{int(r['身份证号'][:17] + '0') / 1e17:.5f}E+17", r["类别"])
                       for r in kids]  # fmt: skip
    write_csv(WILD / "children_sci_id.csv", sci, "gbk")
    # a category outside the vocabulary (single-parent families are a local programme)
    cats = ["留守儿童"] * 8
    cats[4] = "单亲家庭儿童"
    bad = [headers] + [row(r, r["身份证号"], c) for r, c in zip(kids, cats, strict=True)]
    write_csv(WILD / "children_bad_category.csv", bad, "gbk")


# (register, kind, what a reader should do, the register it pairs with); the expected table of
# "x.csv" / "x.xlsx" is "x.expected.csv". read: must give the expected table; read_or_error: the
# expected table, or an error that names the file and what it could not read; error: an error.
MANIFEST = [
    ("children_title.xlsx", "children", "read", "volunteers_title.xlsx"),
    ("volunteers_title.xlsx", "volunteers", "read", "children_title.xlsx"),
    ("children_gbk.csv", "children", "read", "volunteers_gbk.csv"),
    ("volunteers_gbk.csv", "volunteers", "read", "children_gbk.csv"),
    ("wild/children_bom.csv", "children", "read", "wild/volunteers_bom.csv"),
    ("wild/volunteers_bom.csv", "volunteers", "read", "wild/children_bom.csv"),
    ("wild/children_wps.xlsx", "children", "read_or_error", "wild/volunteers_wps.xlsx"),
    ("wild/volunteers_wps.xlsx", "volunteers", "read_or_error", "wild/children_wps.xlsx"),
    ("wild/children_sci_id.csv", "children", "error", None),
    ("wild/children_bad_category.csv", "children", "error", None),
]


def main() -> None:
    WILD.mkdir(exist_ok=True)
    designed_xlsx()
    designed_gbk()
    wild_bom()
    wild_wps()
    wild_errors()
    entries = [
        {"file": f, "kind": kind, "expect": expect, "pairs_with": other,
         "expected": None if expect == "error" else re.sub(r"\.\w+$", ".expected.csv", f)}
        for f, kind, expect, other in MANIFEST
    ]  # fmt: skip
    (HERE / "manifest.json").write_text(
        json.dumps(entries, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
