"""Guide search latency over a generated catalogue of 10,000 items (`python -m bench.guides_search`).

The catalogue is the demo catalogue's items re-named from realistic parts (subjects × matters × actions) with a
fixed seed, so runs compare.  Queries mix initials, full pinyin, Chinese names, one wrong character and two
terms.  The same-run baseline is a naive linear scan: substring tests of each query against every item's name,
keywords, full pinyin and initials (no ranking, no typo tolerance), the least a search could do.
"""
from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import replace

from queue_server.guides.exchange import read_catalogue
from queue_server.guides.matching import normalise, syllables
from queue_server.guides.model import Catalogue
from queue_server.guides.search import GuideIndex
from queue_server.guides.store import DEMO_GUIDES_PATH

SUBJECTS = ["", "个人", "企业", "单位", "外籍人员", "港澳居民", "农村", "城镇", "退役军人", "高校毕业生", "个体工商户"]
MATTERS = ["不动产", "国有建设用地使用权", "房屋所有权", "营业执照", "食品经营许可证", "社会保障卡", "养老保险",
           "医疗保险", "失业保险", "工伤保险", "住房公积金", "户口", "居民身份证", "普通护照", "往来港澳通行证",
           "增值税发票", "契税", "驾驶证", "机动车", "结婚证", "建筑工程施工许可证", "商品房预售许可证",
           "药品经营许可证", "排污许可证", "道路运输经营许可证", "取水许可", "林木采伐许可证", "职业资格证书",
           "残疾人证", "最低生活保障", "高龄津贴", "殡葬补贴", "城乡居民医保", "异地就医", "出生医学证明"]
ACTIONS = ["首次登记", "转移登记", "变更登记", "注销登记", "抵押登记", "补领", "换发", "延续", "申领", "核发",
           "备案", "审批", "认定", "查询", "提取", "转移接续", "缴费", "报销", "年检", "信息变更", "证明开具"]
QUERIES = {
    "initials": ["bdcdj", "bdc", "sbk", "gjj", "hz", "jsz", "yyzz", "jhz", "zydj"],
    "full pinyin": ["budongchan", "shebaoka", "gongjijintiqu", "huzhao", "jiashizheng", "yingyezhizhao"],
    "chinese": ["不动产登记", "社会保障卡", "公积金提取", "护照", "营业执照变更", "结婚证补领"],
    "one wrong char": ["不动产登计", "社会保彰卡", "营业执造", "住房公积全", "budongchandenji", "shehuibaozhangak"],
    "two terms": ["公积金 提取", "bdc diya", "企业 注销", "户口 迁移"],
}


def generated_catalogue(n: int, seed: int = 7) -> Catalogue:
    """`n` guides: demo items re-named and re-coded from realistic parts, deterministic for a seed."""
    demo = read_catalogue(DEMO_GUIDES_PATH)
    rng = random.Random(seed)
    templates = list(demo.guides.values())
    cat = Catalogue(departments=dict(demo.departments))
    for i in range(n):
        base = rng.choice(templates)
        name = f"{rng.choice(SUBJECTS)}{rng.choice(MATTERS)}{rng.choice(ACTIONS)}"
        keywords = tuple(rng.sample([k for g in rng.sample(templates, 3) for k in g.keywords], 2))
        cat.guides[f"g{i:05d}"] = replace(base, code=f"g{i:05d}", name=name, keywords=keywords)
    return cat


class LinearScan:
    """The baseline: substring tests over precomputed texts, item by item."""

    def __init__(self, cat: Catalogue):
        self.rows = []
        for g in cat.guides.values():
            texts = [normalise(g.name)] + [normalise(k) for k in g.keywords]
            sylls = [syllables(t) for t in texts]
            self.rows.append((g.code, texts, ["".join(s) for s in sylls],
                              ["".join(x[0] for x in s if x) for s in sylls]))

    def search(self, query: str, limit: int = 20) -> list[str]:
        q = normalise(query).replace(" ", "")
        out = [code for code, texts, flats, initials in self.rows
               if any(q in t for t in texts) or any(q in f for f in flats) or any(q in i for i in initials)]
        return out[:limit]


def timings(fn, queries: list[str], rounds: int) -> tuple[list[float], list[float]]:
    """(wall, CPU) milliseconds per call, every query `rounds` times.  CPU time (this thread's) leaves out
    the time the process waited for a core, which dominates the wall-clock tail on a busy 2-core machine."""
    wall, cpu = [], []
    for _ in range(rounds):
        for q in queries:
            c0, t0 = time.thread_time(), time.perf_counter()
            fn(q)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
    return wall, cpu


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; `argv` as on the command line (none when run from `python -m bench`)."""
    parser = argparse.ArgumentParser(prog="python -m bench.guides_search", description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv or [])
    cat = generated_catalogue(args.items)
    t0 = time.perf_counter()
    index = GuideIndex(cat)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    scan = LinearScan(cat)
    scan_build = time.perf_counter() - t0
    print(f"catalogue: {len(cat.guides)} generated items; index built in {build:.2f} s "
          f"(baseline precomputation {scan_build:.2f} s)")
    print(f"{'queries':<16}{'n':>5}{'index p50':>11}{'index p99':>11}{'idx cpu p99':>13}{'scan p50':>10}"
          f"{'scan p99':>10}{'scan cpu p99':>14}{'hits idx/scan':>15}")
    totals: dict[str, list[float]] = {"iw": [], "ic": [], "sw": [], "sc": []}
    for kind, queries in QUERIES.items():
        iw, ic = timings(lambda q: index.search(q), queries, args.rounds)
        sw, sc = timings(lambda q: scan.search(q), queries, args.rounds)
        for key, values in (("iw", iw), ("ic", ic), ("sw", sw), ("sc", sc)):
            totals[key] += values
        hits_i = statistics.mean(len(index.search(q)) for q in queries)
        hits_s = statistics.mean(len(scan.search(q)) for q in queries)
        print(f"{kind:<16}{len(iw):>5}{pct(iw, 50):>9.2f}ms{pct(iw, 99):>9.2f}ms{pct(ic, 99):>11.2f}ms"
              f"{pct(sw, 50):>8.2f}ms{pct(sw, 99):>8.2f}ms{pct(sc, 99):>12.2f}ms{hits_i:>8.1f}/{hits_s:.1f}")
    iw, ic, sw, sc = totals["iw"], totals["ic"], totals["sw"], totals["sc"]
    print(f"{'all':<16}{len(iw):>5}{pct(iw, 50):>9.2f}ms{pct(iw, 99):>9.2f}ms{pct(ic, 99):>11.2f}ms"
          f"{pct(sw, 50):>8.2f}ms{pct(sw, 99):>8.2f}ms{pct(sc, 99):>12.2f}ms")
    print(f"search p99 over all queries: {pct(iw, 99):.2f} ms wall, {pct(ic, 99):.2f} ms CPU (target < 5 ms); "
          f"same-run baseline linear scan p99: {pct(sw, 99):.2f} ms wall, {pct(sc, 99):.2f} ms CPU")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
