"""``make bench-roster``: import and assess a 100,000-member roster into PostgreSQL.

1. Generates a roster .xlsx of BENCH_ROSTER_MEMBERS members (100,000) in about 35,000
   households over 10 towns x 20 villages, in a temporary directory, in a child process so
   that neither its time nor its memory is counted. BENCH_ROSTER_FORMAT=excel (default) stores
   it as Excel and WPS save a sheet (shared strings, a ``<dimension>``); =openpyxl leaves it as
   openpyxl's write-only mode writes it (inline strings, no dimension), which openpyxl's
   reader takes about 2.5 times as long to read (see ``save_as_excel_does``).
2. Resets PostgreSQL ``jzt_bench_roster`` (schema dropped, migrated to head), adds the villages
   and seeds the catalogue.
3. Times ``roster.import_roster`` (read, validate, encrypt, bulk insert, assess, commit)
   in one transaction, as ``flask ledger import`` runs it; then imports the same file again,
   which must change nothing.
4. Prints one figure a line as ``metric: value unit``; peak memory is this process's maximum
   resident set size (``ru_maxrss``), taken after the first import.

Targets: the first import under 60 s and under 500 MB. Exit status: 0 when measured (target
met or not), 1 when the import did not create or keep exactly the generated rows, 2 when
PostgreSQL could not be reset. The temporary directory is always removed.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

DATABASE_URL = os.environ.get("JZT_BENCH_ROSTER_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/jzt_bench_roster")
DEFAULT_MEMBERS = 100_000
TARGET_SECONDS = 60.0
TARGET_MB = 500.0
BENCH_KEY = "bench-roster-data-key-not-a-secret"
FORMATS = ("excel", "openpyxl")

TOWNS = ("衡山镇", "佛子岭镇", "下符桥镇", "但家庙镇", "与儿街镇", "黑石渡镇", "诸佛庵镇", "落儿岭镇", "磨子潭镇", "大化坪镇")
VILLAGES_PER_TOWN = 20
SIZES = (1, 2, 3, 4, 5, 6)
SIZE_WEIGHTS = (20, 25, 25, 18, 8, 4)  # mean 2.81 members per household


def log(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def metric(name: str, value, unit: str) -> None:
    print(f"{name}: {value} {unit}".rstrip(), flush=True)


def village_names() -> list[tuple[str, str]]:
    return [(town, f"{town[:-1]}{number:02d}村") for town in TOWNS for number in range(1, VILLAGES_PER_TOWN + 1)]


# --- generation (child process) ---------------------------------------------------------------


def generate(path: Path, members: int, excel_like: bool = True, seed: int = 20261130) -> int:
    """Write a valid roster of exactly ``members`` rows; returns the number of households.

    ``excel_like``: store it as Excel does (see ``save_as_excel_does``); else as openpyxl's
    write-only mode leaves it.
    """
    from openpyxl import Workbook

    from policy.groups import DisabilityKind, FamilyStructure, IllnessKind, LabourStatus, TargetGroup, YouthProblem
    from policy.identity import make_id_number
    from roster import COLUMNS, HEADERS

    rng = random.Random(seed)
    keys = [c.key for c in COLUMNS]
    areas = village_names()
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "桂英建国秀兰晓雨德福小军明华丽娟志强海燕玉梅春生"
    groups = [g.label for g in TargetGroup]
    illness = [k.label for k in IllnessKind]
    disability = [k.label for k in DisabilityKind]
    structures = [s.label for s in FamilyStructure]
    problems = [p.label for p in YouthProblem]
    labour_force = [s.label for s in LabourStatus if s is not LabourStatus.NOT_LABOUR_FORCE]
    base = dt.date(1935, 1, 1)

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("名单")
    sheet.append(list(HEADERS))
    written = households = 0
    sequences: dict[dt.date, int] = {}
    while written < members:
        size = min(rng.choices(SIZES, SIZE_WEIGHTS)[0], members - written)
        households += 1
        town, village = areas[households % len(areas)]
        surname = rng.choice(surnames)
        head_name = surname + rng.choice(given) + rng.choice(given)
        household = {
            "town": town,
            "village": village,
            "roster_no": f"B{households:08d}",
            "head_name": head_name,
            "address": f"{town}{village}{rng.randint(1, 12)}组{rng.randint(1, 80)}号",
            "monthly_income": rng.choice((0, 300, 650, 900, 1200, 1800, 2500, 4000)),
            "monthly_rigid_expenditure": rng.choice((0, 0, 100, 300, 800, 1500)),
            "dwellings": rng.choice((0, 1, 1, 1, 2)),
            "floor_area": rng.choice((0, 30, 45, 60, 90, 120, 150)),
            "family_structures": rng.choice(structures),
            "has_social_security": rng.choice(("有", "有", "有", "无")),
            "social_activities": rng.choice((0, 0.5, 1, 2, 3)),
            "youth_problems": rng.choice(problems) if rng.random() < 0.05 else None,
            "size": size,
        }
        if rng.random() < 0.3:
            household["latitude"], household["longitude"] = round(31.2 + rng.random() * 0.4, 5), round(116.0 + rng.random() * 0.5, 5)
        for position in range(size):
            born = base + dt.timedelta(days=rng.randint(0, 32000))
            age = (dt.date(2026, 11, 30) - born).days // 365
            kind = rng.choice(disability) if rng.random() < 0.12 else None
            row = dict(household)
            row.update(
                name=head_name if position == 0 else surname + rng.choice(given) + rng.choice(given),
                relation="户主" if position == 0 else rng.choice(("配偶", "子", "女", "孙子", "孙女", "父亲", "母亲")),
                id_number=make_id_number("341525", born, _next_sequence(sequences, born)),
                phone=f"13{rng.randint(0, 999999999):09d}" if rng.random() < 0.6 else None,
                groups=";".join(rng.sample(groups, rng.choice((1, 1, 2)))) if position == 0 or rng.random() < 0.7 else None,
                illness=rng.choice(illness) if rng.random() < 0.3 else None,
                disability_kind=kind,
                disability_grade=rng.choice(("一级", "二级", "三级", "四级")) if kind else None,
                self_care=rng.choice(("半失能", "失能")) if age > 70 and rng.random() < 0.3 else None,
                schooling=rng.choice(("小学", "初中", "高中", "大学")) if 6 <= age <= 22 else None,
                labour="无劳动能力" if age < 16 or age > 65 else rng.choice(labour_force),
            )
            sheet.append([row.get(k) for k in keys])
            written += 1
    workbook.save(path)
    if excel_like:
        save_as_excel_does(path, rows=written + 1, columns=len(keys))
    return households


_SHEET = "xl/worksheets/sheet1.xml"
_INLINE = re.compile(rb'<c r="([A-Z]+[0-9]+)" t="inlineStr"><is><t>([^<]*)</t></is></c>')


def save_as_excel_does(path: Path, rows: int, columns: int) -> None:
    """Rewrite an openpyxl write-only file the way Excel and WPS store a sheet: text in the
    shared-strings table (``t="s"``) and the sheet's ``<dimension>`` up front.

    openpyxl's write-only mode stores every text cell inline and writes no dimension; its
    read-only reader then scans the whole sheet once more when opening it and builds every
    inline text through its descriptor classes, which a file saved by an office suite does
    not cost. Cell values are unchanged.
    """
    from openpyxl.utils import get_column_letter

    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    index: dict[bytes, int] = {}
    count = 0

    def shared(match: re.Match) -> bytes:
        nonlocal count
        count += 1
        number = index.setdefault(match.group(2), len(index))
        return b'<c r="%s" t="s"><v>%d</v></c>' % (match.group(1), number)

    sheet = _INLINE.sub(shared, parts[_SHEET])
    dimension = f'<dimension ref="A1:{get_column_letter(columns)}{rows}" />'.encode()
    parts[_SHEET] = sheet.replace(b"</sheetPr>", b"</sheetPr>" + dimension, 1)
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    table = [b'<sst xmlns="%s" count="%d" uniqueCount="%d">' % (main, count, len(index))]
    table.extend(b"<si><t>%s</t></si>" % text for text in index)
    table.append(b"</sst>")
    parts["xl/sharedStrings.xml"] = b"".join(table)
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" /></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" Id="rIdShared" /></Relationships>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def _next_sequence(sequences: dict[dt.date, int], born: dt.date) -> int:
    """A 3-digit sequence not used yet for ``born``: ID numbers are unique."""
    sequence = sequences.get(born, 0)
    if sequence > 999:
        raise SystemExit("too many people born on one day: lower BENCH_ROSTER_MEMBERS")
    sequences[born] = sequence + 1
    return sequence


def _generate_in_child(path: Path, members: int, file_format: str) -> int:
    command = [sys.executable, "-m", "bench.roster", "--generate", str(path), str(members), file_format]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise SystemExit(f"generating the roster failed:\n{result.stderr}")
    return int(result.stdout.strip())


# --- the measurement --------------------------------------------------------------------------


class StageClock:
    """Records when each progress stage first reports, to split the import time."""

    def __init__(self) -> None:
        self.starts: dict[str, float] = {}
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        now = time.perf_counter()
        self.starts.setdefault(stage, now)
        self.last = now


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> int:
    from stack.harness import ServerFailed, env_int, reset_postgres
    from models.areas import get_or_create_town, get_or_create_village
    from models.catalogue.catalogue import seed_catalogue
    from db.crypto import DataCipher
    from db.base import make_engine, make_sessionmaker
    from roster import import_roster

    members = env_int("BENCH_ROSTER_MEMBERS", DEFAULT_MEMBERS, 10, 2_000_000)
    file_format = os.environ.get("BENCH_ROSTER_FORMAT", "excel").strip() or "excel"
    if file_format not in FORMATS:
        raise SystemExit(f"BENCH_ROSTER_FORMAT is one of {', '.join(FORMATS)}, not {file_format!r}")
    with tempfile.TemporaryDirectory(prefix="jzt-bench-roster-") as tmp:
        path = Path(tmp) / "roster.xlsx"
        log(f"generating {members} members ({file_format} format) ...")
        started = time.perf_counter()
        households = _generate_in_child(path, members, file_format)
        log(f"generated {households} households in {time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:.1f} MB)")

        try:
            reset_postgres(DATABASE_URL)
        except ServerFailed as exc:
            log(str(exc))
            return 2
        engine = make_engine(DATABASE_URL)
        Session = make_sessionmaker(engine)
        cipher = DataCipher(BENCH_KEY)
        with Session.begin() as db:
            for town, village in village_names():
                get_or_create_village(db, get_or_create_town(db, town), village)
            seed_catalogue(db)

        now = dt.datetime.now(dt.timezone.utc)
        today = now.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
        log("importing ...")
        stages = StageClock()
        started = time.perf_counter()
        with Session.begin() as db:
            report = import_roster(db, cipher, path, today=today, now=now, progress=stages)
        seconds = time.perf_counter() - started
        memory = peak_mb()

        log("importing the same file again ...")
        started_again = time.perf_counter()
        with Session.begin() as db:
            again = import_roster(db, cipher, path, today=today, now=now)
        again_seconds = time.perf_counter() - started_again
        engine.dispose()

    metric("roster_members", report.rows, "rows")
    metric("roster_households", report.household_count, "households")
    metric("roster_rows_per_s", round(report.rows / seconds), "rows/s")
    metric("roster_import_seconds", f"{seconds:.1f}", "s")
    order = ["读取", "写入户", "写入成员", "评估"]
    names = {"读取": "read_validate", "写入户": "write_households", "写入成员": "write_members", "评估": "assess"}
    marks = [stages.starts.get(s) for s in order] + [started + seconds]
    for stage, begin, end in zip(order, [started] + marks[1:-1], marks[1:]):
        if begin is not None and end is not None:
            metric(f"roster_stage_{names[stage]}_seconds", f"{end - begin:.1f}", "s")
    metric("roster_peak_memory_mb", f"{memory:.0f}", "MB")
    metric("roster_assessments_created", report.assessments_created, "assessments")
    metric("roster_reimport_seconds", f"{again_seconds:.1f}", "s")
    metric("roster_reimport_unchanged_members", again.members_unchanged, "rows")
    metric("roster_target_met", "yes" if seconds < TARGET_SECONDS and memory < TARGET_MB else "no", "")

    good = (
        report.imported
        and not report.errors
        and report.members_created == members
        and report.households_created == households
        and report.assessments_created == households
        and again.members_unchanged == members
        and again.households_unchanged == households
        and again.assessments_created == 0
    )
    if not good:
        log(f"unexpected counts: first {report}, again created/updated {again.members_created}/{again.members_updated}")
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--generate":
        print(generate(Path(sys.argv[2]), int(sys.argv[3]), excel_like=sys.argv[4] == "excel"))
        raise SystemExit(0)
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:
        raise SystemExit(130)
