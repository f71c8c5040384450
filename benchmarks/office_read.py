"""Reading registers: pairmatch's own columns and an office's own form, at county and
province size.

    python benchmarks/office_read.py [--rows 200000]

Prints one row per register: its form, rows, seconds to read and validate it (best of 3).
The office form is the same children with Chinese headers, a title row, needs written as
text ("学业辅导（严重）、心理疏导"), interests split by 、, categories in Chinese, saved
as a GBK CSV, as Excel saves one in China.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pairmatch as pm

_LEVEL = {1: "（一般）", 2: "（较重）", 3: "（严重）"}
_NEED = {"study": "学业辅导", "life": "生活照料", "psychological": "心理疏导", "safety": "安全监护"}
_CATEGORY = {"left_behind": "农村留守儿童", "scattered_orphan": "孤儿",
             "no_guardian_care": "事实无人抚养儿童", "other_difficulty": "困境儿童"}  # fmt: skip


def office_form(children):
    """The children as an office writes them."""
    needs = [
        "、".join(_NEED[k] + _LEVEL[int(row[f"need_{k}"])] for k in _NEED if row[f"need_{k}"] > 0)
        for row in children.to_dict("records")
    ]
    return children.assign(
        needs=needs,
        category=children["category"].map(_CATEGORY),
        interests=children["interests"].str.replace(";", "、"),
        guardian_consent=children["guardian_consent"].map({True: "同意", False: "不同意"}),
    )[["id", "county", "township", "village", "lon", "lat", "category", "guardian_consent",
       "needs", "interests"]].set_axis(
        ["儿童编号", "县（区）", "乡镇（街道）", "村（社区）", "经度", "纬度", "儿童类别",
         "监护人是否同意", "帮扶需求", "兴趣爱好"], axis=1)  # fmt: skip


def best_of(n, work):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        out = work()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    children, _ = pm.synth.county(args.rows, seed=1)
    with tempfile.TemporaryDirectory() as folder:
        own = Path(folder) / "children.csv"
        children.to_csv(own, index=False)
        office = Path(folder) / "儿童登记表.csv"
        text = "某某县困境儿童关爱帮扶台账\n" + office_form(children).to_csv(index=False)
        office.write_bytes(text.replace("\n", "\r\n").encode("gbk"))
        print(f"{'register':<42} {'rows':>9} {'seconds':>8}")
        for name, path in (("pairmatch's columns, UTF-8 CSV", own),
                           ("office form, title row, text needs, GBK CSV", office)):  # fmt: skip
            seconds, table = best_of(3, lambda p=path: pm.read_children(p))
            print(f"{name:<42} {len(table):>9,} {seconds:>8.2f}")


if __name__ == "__main__":
    main()
