#!/usr/bin/env python3
"""Build a hotspots *partial cube* with Apache Spark (>= 4.0).

Reads Parquet event exports (local, s3a://, hdfs://, anything Spark reads), validates every row
as the Rust engine does (`crates/core/src/ingest`), indexes the valid events to H3 cells, local
days and hours and districts, sums them per (h3, day, hour, kind, category, district), and writes
ONE Parquet file in the partial-cube contract of `crates/core/src/cube/partial.rs` (contract 1),
which `hotspots analyze --cube PART.parquet` reads.

    spark-submit spark/cube.py EVENTS.parquet... --districts data/districts.geojson --out PART.parquet
    python spark/cube.py ...            (local mode, the pip-installed pyspark)

See spark/README.md for the rules, the differences from the engine and cluster use.

The file is also imported on the executors (as module `cube`, shipped with `addPyFile`): the
row rules below (validation, time parsing, time zones, H3, districts) run there, inside an
Arrow-batch UDF (`mapInArrow`).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import functools
import hashlib
import json
import math
import os
import re
import sys
import time
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# --------------------------------------------------------------------------------------------
# The contract (crates/core/src/cube/partial.rs)
# --------------------------------------------------------------------------------------------

CONTRACT_VERSION = 1
METADATA_KEY = "hotspots.partial_cube"
WEIGHT_BITS = 40
WEIGHT_SCALE = float(1 << WEIGHT_BITS)
BUILTIN_DISTRICTS_NAME = "<built-in districts>"
# SHA-256 of the repository's data/districts.geojson, used when that file is not beside this
# script (a copy shipped alone to a cluster); the file itself wins when it is there.
BUILTIN_DISTRICTS_SHA256 = "331f8a363de9180c1e9c27820a3363efefe2a1482e0968b6b5e2f8c1ec347089"
PRODUCER = "spark/cube.py (contract 1)"

# RejectReason::ALL, in code order (crates/core/src/ingest/event.rs). A row's status is 0 when
# valid, else 1 + the reason's index.
REASONS = [
    "missing_coordinate",
    "unparsable_coordinate",
    "non_finite_coordinate",
    "latitude_out_of_range",
    "longitude_out_of_range",
    "null_island",
    "invalid_geometry",
    "missing_time",
    "unparsable_time",
    "nonexistent_local_time",
    "unknown_kind",
    "unparsable_weight",
    "negative_weight",
    "non_finite_weight",
    "duplicate_id",
]
ST = {code: i + 1 for i, code in enumerate(REASONS)}
VALID = 0

# Kind::LABELS; Kind::ALL = [encounter, concern] (index 0, 1).
KINDS = ["encounter", "concern"]
KIND_LABELS = {
    "encounter": 0,
    "kohtaaminen": 0,
    "möte": 0,
    "concern": 1,
    "huoli-ilmoitus": 1,
    "orosanmälan": 1,
}

# The fields a reject names (ingest/mod.rs `Field`), for the `examples` column.
F_LAT, F_LON, F_TIME, F_KIND, F_WEIGHT, F_ID = range(6)

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
MAX_VALUE_CHARS = 100

# Rust's `char::is_whitespace` (Unicode White_Space), what `str::trim` strips. Python's own
# `str.strip()` also strips U+001C..U+001F, which Rust keeps.
WS = (
    "\u0009\u000a\u000b\u000c\u000d\u0020\u0085\u00a0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_WS_SPLIT = re.compile("[" + WS + "]+")


def rs_trim(s: str) -> str:
    """Rust's `str::trim`."""
    return s.strip(WS)


# chrono's NaiveDate range (chrono 0.4.45: MIN_YEAR = -262143, MAX_YEAR = 262142).
MIN_YEAR = -262143
MAX_YEAR = 262142


def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z: int):
    """(year, month, day) of a day number (inverse of `days_from_civil`)."""
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return y + (m <= 2), m, d


def day_text(day: int) -> str:
    """A day number as chrono's `NaiveDate` Display writes it (`2026-03-02`, `+10000-01-01`)."""
    y, m, d = civil_from_days(day)
    if not (MIN_YEAR <= y <= MAX_YEAR):
        return str(day)  # partial.rs `day_text` falls back to the number
    year = f"{y:04d}" if 0 <= y <= 9999 else f"{y:+05d}"
    return f"{year}-{m:02d}-{d:02d}"


def _days_from_civil_np(y, m, d):
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _is_leap(y):
    return (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))


_DIM = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _valid_date_np(y, m, d):
    ok = (m >= 1) & (m <= 12) & (d >= 1) & (y >= MIN_YEAR) & (y <= MAX_YEAR)
    mm = np.where(ok, m, 1)
    dim = _DIM[mm] + ((mm == 2) & _is_leap(y))
    return ok & (d <= dim)


def _valid_date(y: int, m: int, d: int) -> bool:
    if not (MIN_YEAR <= y <= MAX_YEAR and 1 <= m <= 12 and d >= 1):
        return False
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    return d <= _DIM[m] + (m == 2 and leap)


# Seconds range of chrono's NaiveDateTime: instants outside it have no local time (LocalClock
# answers offset 0 there) and local times outside it are unparsable.
MIN_SECS = days_from_civil(MIN_YEAR, 1, 1) * 86400
MAX_SECS = days_from_civil(MAX_YEAR, 12, 31) * 86400 + 86399


# --------------------------------------------------------------------------------------------
# Time zones, as chrono-tz answers them
# --------------------------------------------------------------------------------------------


class TzTable:
    """A zone's UTC offsets as chrono-tz 0.10 has them: the tz database's transitions up to the
    end of 2099 and the last offset forever after (chrono-tz does not extend the daylight-saving
    rule past its table; pandas' pytz tables stop in 2037), the first (LMT) offset before.

    Built once per process from `zoneinfo` by a day-by-day scan from 1800 to 2100, each change
    narrowed to the second.
    """

    SCAN_FROM = _dt.datetime(1800, 1, 1, tzinfo=_dt.timezone.utc)
    SCAN_TO = _dt.datetime(2100, 1, 1, tzinfo=_dt.timezone.utc)

    def __init__(self, name: str):
        import zoneinfo

        self.name = name
        zone = zoneinfo.ZoneInfo(name)
        epoch = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)

        def off(sec: int) -> int:
            when = epoch + _dt.timedelta(seconds=sec)
            return int(when.astimezone(zone).utcoffset().total_seconds())

        start = int((self.SCAN_FROM - epoch).total_seconds())
        end = int((self.SCAN_TO - epoch).total_seconds())
        step = 86400
        trans, offs = [], [off(start)]
        prev_s, prev_o = start, offs[0]
        s = start + step
        while s < end:
            o = off(s)
            if o != prev_o:
                lo, hi = prev_s, s  # off(lo) == prev_o != off(hi)
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if off(mid) == prev_o:
                        lo = mid
                    else:
                        hi = mid
                trans.append(hi)
                offs.append(o)
            prev_s, prev_o = s, o
            s += step
        self.trans = np.array(trans, dtype=np.int64)  # UTC seconds of each change
        self.offs = np.array(offs, dtype=np.int64)  # offset (s) before the first, after each
        self.offs_us = self.offs * 1_000_000

    # LocalClock::offset_us: the offset at an instant (µs).
    def offset_us(self, t_us: np.ndarray) -> np.ndarray:
        secs = np.floor_divide(t_us, 1_000_000)
        out = self.offs_us[np.searchsorted(self.trans, secs, side="right")]
        return np.where((secs < MIN_SECS) | (secs > MAX_SECS), 0, out)

    # local_to_instant: a wall-clock time (µs since 1970-01-01T00:00 local) to an instant; the
    # repeated hour resolves to its first occurrence, a time in a gap is no instant (ok False).
    def resolve_local(self, local_us: np.ndarray):
        local_s = np.floor_divide(local_us, 1_000_000)
        idx = lambda s: self.offs[np.searchsorted(self.trans, s, side="right")]  # noqa: E731
        o_prev = idx(local_s - 2 * 86400)
        o_next = idx(local_s + 2 * 86400)
        ok_a = idx(local_s - o_prev) == o_prev
        ok_b = idx(local_s - o_next) == o_next
        t_a = local_us - o_prev * 1_000_000
        t_b = local_us - o_next * 1_000_000
        inst = np.where(ok_a & ok_b, np.minimum(t_a, t_b), np.where(ok_a, t_a, t_b))
        ok = ok_a | ok_b
        # The instant must be a chrono DateTime too (only at the ends of its range).
        isecs = np.floor_divide(inst, 1_000_000)
        ok &= (isecs >= MIN_SECS) & (isecs <= MAX_SECS)
        return inst, ok

    def resolve_local_scalar(self, local_us: int):
        inst, ok = self.resolve_local(np.array([local_us], dtype=np.int64))
        return (int(inst[0]) if ok[0] else None)

    # local_midnight: a date's midnight, or where midnight falls in a gap the first instant of
    # the date (minute by minute), or midnight as UTC when nothing in 24 h exists.
    def local_midnight(self, day: int) -> int:
        midnight = day * DAY_US
        t = self.resolve_local_scalar(midnight)
        if t is not None:
            return t
        for minute in range(1, 24 * 60 + 1):
            t = self.resolve_local_scalar(midnight + minute * 60_000_000)
            if t is not None:
                return t
        return midnight


_TZ_CACHE: dict = {}


def tz_table(name: str) -> TzTable:
    t = _TZ_CACHE.get(name)
    if t is None:
        t = _TZ_CACHE[name] = TzTable(name)
    return t


# --------------------------------------------------------------------------------------------
# Text times (crates/core/src/ingest/time_text.rs, with chrono 0.4.45's parser)
# --------------------------------------------------------------------------------------------

MISSING_TIME = ST["missing_time"]
UNPARSABLE_TIME = ST["unparsable_time"]
NONEXISTENT = ST["nonexistent_local_time"]

_ISO_FMT_OFFSET = [
    ["Y", "-", "m", "-", "d", "T", "H", ":", "M", ":", "S", ".f", "#z"],
    ["Y", "-", "m", "-", "d", "T", "H", ":", "M", "#z"],
]
_ISO_FMT_NAIVE = [
    ["Y", "-", "m", "-", "d", "T", "H", ":", "M", ":", "S", ".f"],
    ["Y", "-", "m", "-", "d", "T", "H", ":", "M"],
]
_DATE_FMT = ["Y", "-", "m", "-", "d"]
_DIGITS = "0123456789"
_I64_MAX = (1 << 63) - 1


def _scan_number(s: str, max_width):
    """chrono `scan::number(s, 1, max)`: (value, rest) or None."""
    i = 0
    n = len(s)
    while i < n and (max_width is None or i < max_width) and s[i] in _DIGITS:
        i += 1
    if i == 0:
        return None
    v = int(s[:i])
    if v > _I64_MAX:
        return None
    return v, s[i:]


def _scan_offset(s: str):
    """chrono `scan::timezone_offset(s, colon_or_space, zulu, missing minutes, minus sign)`."""
    if s[:1] in ("Z", "z"):
        return 0, s[1:]
    if not s:
        return None
    c = s[0]
    if c == "+":
        neg = False
    elif c in ("-", "\u2212"):
        neg = True
    else:
        return None
    s = s[1:]
    if len(s) < 2 or s[0] not in _DIGITS or s[1] not in _DIGITS:
        return None
    hours = int(s[:2])
    s = s[2:].lstrip(":" + WS)
    blen = len(s.encode("utf-8"))
    if blen >= 2:
        if s[0] in "012345" and s[1] in _DIGITS:
            minutes = int(s[:2])
            s = s[2:]
        else:
            return None
    elif blen == 0:
        minutes = 0
    else:
        return None
    secs = hours * 3600 + minutes * 60
    return (-secs if neg else secs), s


def _chrono_parse(s: str, items):
    """chrono's `parse` with the items used by the engine: a dict of the fields, or None."""
    p = {}
    for it in items:
        if it == "Y":
            s = s.lstrip(WS)
            if s.startswith("-"):
                r = _scan_number(s[1:], None)
                if r is None:
                    return None
                v, s = -r[0], r[1]
            elif s.startswith("+"):
                r = _scan_number(s[1:], None)
                if r is None:
                    return None
                v, s = r
            else:
                r = _scan_number(s, 4)
                if r is None:
                    return None
                v, s = r
            if not (-(1 << 31) <= v < (1 << 31)):
                return None
            p["Y"] = v
        elif it in ("m", "d", "H", "M", "S"):
            s = s.lstrip(WS)
            r = _scan_number(s, 2)
            if r is None:
                return None
            v, s = r
            limits = {"m": (1, 12), "d": (1, 31), "H": (0, 23), "M": (0, 59), "S": (0, 60)}[it]
            if not (limits[0] <= v <= limits[1]):
                return None
            p[it] = v
        elif it == ".f":
            if s.startswith("."):
                t = s[1:]
                i = 0
                while i < len(t) and t[i] in _DIGITS:
                    i += 1
                if i == 0:
                    return None
                digits = t[:i]
                p["ns"] = int(digits[:9].ljust(9, "0"))
                s = t[i:]
        elif it == "#z":
            r = _scan_offset(s.lstrip(WS))
            if r is None:
                return None
            p["z"], s = r
        else:  # a literal
            if not s.startswith(it):
                return None
            s = s[len(it):]
    if s:
        return None  # TOO_LONG
    return p


def _naive_us(p):
    """The parsed date and time as µs since 1970-01-01T00:00 (None when impossible), and whether
    it is a leap second (`:60`, chrono's 59 s + 1 s of nanoseconds)."""
    y, m, d = p["Y"], p["m"], p["d"]
    if not _valid_date(y, m, d):
        return None
    sec = p.get("S", 0)
    leap = sec == 60
    if leap:
        sec = 59
    us = (
        days_from_civil(y, m, d) * DAY_US
        + p["H"] * HOUR_US
        + p["M"] * 60_000_000
        + sec * 1_000_000
        + p.get("ns", 0) // 1000
    )
    return us, leap


def _local_to_instant(local_us: int, leap: bool, tz: TzTable):
    inst = tz.resolve_local_scalar(local_us)
    if inst is None:
        return NONEXISTENT, None
    return VALID, inst + (1_000_000 if leap else 0)


def parse_iso8601(text: str, tz: TzTable):
    """time_text::parse_iso8601: (status, instant µs)."""
    text = rs_trim(text)
    if not text:
        return MISSING_TIME, None
    b = text.encode("utf-8")
    s = text
    if len(b) > 10 and b[10:11] in (b" ", b"t"):
        s = (b[:10] + b"T" + b[11:]).decode("utf-8")
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    b = s.encode("utf-8")
    n = len(b)
    if n == 10:
        p = _chrono_parse(s, _DATE_FMT)
        if p is None or not _valid_date(p["Y"], p["m"], p["d"]):
            return UNPARSABLE_TIME, None
        return VALID, tz.local_midnight(days_from_civil(p["Y"], p["m"], p["d"]))

    def signed_after(i):
        if i > n or (i < n and 0x80 <= b[i] < 0xC0):
            return False
        return b"+" in b[i:] or b"-" in b[i:]

    has_offset = (n > 19 and signed_after(19)) or (n > 16 and signed_after(16))
    if has_offset:
        for items in _ISO_FMT_OFFSET:
            p = _chrono_parse(s, items)
            if p is None:
                continue
            if not (-86400 < p["z"] < 86400):
                continue  # FixedOffset::east_opt
            r = _naive_us(p)
            if r is None:
                continue
            us, leap = r
            inst = us - p["z"] * 1_000_000
            if not (MIN_SECS <= inst // 1_000_000 <= MAX_SECS):
                continue
            return VALID, inst + (1_000_000 if leap else 0)
        return UNPARSABLE_TIME, None
    for items in _ISO_FMT_NAIVE:
        p = _chrono_parse(s, items)
        if p is None:
            continue
        r = _naive_us(p)
        if r is None:
            continue
        return _local_to_instant(r[0], r[1], tz)
    return UNPARSABLE_TIME, None


def _day_first_numbers(s: str, sep: str, widths):
    fields = s.split(sep)
    if len(fields) != len(widths) and not (len(widths) == 3 and len(fields) == 2 and sep != "."):
        return None
    out = []
    for f, w in zip(fields, widths):
        if f and len(f.encode("utf-8")) <= w and all(c in _DIGITS for c in f):
            out.append(int(f))
        else:
            return None
    return out


def parse_day_first(text: str, tz: TzTable):
    """time_text::parse_day_first (`1.12.2026 14:05`): (status, instant µs)."""
    parts = [p for p in _WS_SPLIT.split(text) if p]
    if not parts:
        return MISSING_TIME, None
    if len(parts) > 2:
        return UNPARSABLE_TIME, None
    date = parts[0]
    d = _day_first_numbers(date, ".", [2, 2, 4])
    if d is None or len(date.split(".")[2].encode("utf-8")) != 4:
        return UNPARSABLE_TIME, None
    if not _valid_date(d[2], d[1], d[0]):
        return UNPARSABLE_TIME, None
    day = days_from_civil(d[2], d[1], d[0])
    if len(parts) == 1:
        return VALID, tz.local_midnight(day)
    clock = parts[1]
    sep = ":" if ":" in clock else "."
    fields = clock.split(sep)
    if len(fields) == 2:
        t = _day_first_numbers(clock, sep, [2, 2])
    elif len(fields) == 3:
        t = _day_first_numbers(clock, sep, [2, 2, 2])
    else:
        t = None
    if t is None:
        return UNPARSABLE_TIME, None
    if len(fields[1]) != 2 or (len(fields) > 2 and len(fields[2]) != 2):
        return UNPARSABLE_TIME, None
    h, m, sec = t[0], t[1], (t[2] if len(t) > 2 else 0)
    if not (h < 24 and m < 60 and sec < 60):
        return UNPARSABLE_TIME, None
    return _local_to_instant(day * DAY_US + h * HOUR_US + m * 60_000_000 + sec * 1_000_000, False, tz)


def parse_time_text(text: str, tz: TzTable):
    """time_text::parse_time_text without `--time-format`: ISO-8601, then day-first."""
    trimmed = rs_trim(text)
    if not trimmed:
        return MISSING_TIME, None
    st, inst = parse_iso8601(trimmed, tz)
    if st == UNPARSABLE_TIME and "." in trimmed and "-" not in trimmed:
        st, inst = parse_day_first(trimmed, tz)
    return st, inst


# The common ISO-8601 forms, parsed column-wise (RE2 via pyarrow); what does not match goes
# through `parse_time_text` one value at a time. Every text this matches is read by the
# engine's first matching chrono format exactly as computed here.
_FAST_ISO = (
    r"^(?P<Y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})[Tt ](?P<H>\d{2}):(?P<M>\d{2})"
    r"(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,9}))?)?"
    r"(?:(?P<zulu>[Zz])|(?P<sign>[+-])(?P<zh>\d{2})(?::?(?P<zm>[0-5]\d))?)?$"
)


def _ints(arr, default=0):
    """Digits text (nullable) to int64, nulls and empty strings as `default`."""
    a = pc.if_else(pc.equal(pc.utf8_length(pc.fill_null(arr, "")), 0), str(default), pc.fill_null(arr, str(default)))
    return pc.cast(a, pa.int64()).to_numpy(zero_copy_only=False)


def parse_text_times(texts: pa.Array, tz: TzTable):
    """(status int8, instant int64) for a text column."""
    n = len(texts)
    status = np.full(n, UNPARSABLE_TIME, dtype=np.int8)
    inst = np.zeros(n, dtype=np.int64)
    if texts.type != pa.string():
        texts = pc.cast(texts, pa.string())
    nulls = texts.is_null().to_numpy(zero_copy_only=False)
    status[nulls] = MISSING_TIME
    trimmed = pc.utf8_trim(texts, WS)
    m = pc.extract_regex(trimmed, _FAST_ISO)
    fast = m.is_valid().to_numpy(zero_copy_only=False) & ~nulls
    if fast.any():
        idx = np.flatnonzero(fast)
        mm = m.filter(pa.array(fast))
        f = {k: mm.field(k) for k in ("Y", "m", "d", "H", "M", "S", "f", "zulu", "sign", "zh", "zm")}
        y, mo, d = _ints(f["Y"]), _ints(f["m"]), _ints(f["d"])
        hh, mi, ss = _ints(f["H"]), _ints(f["M"]), _ints(f["S"])
        frac = pc.utf8_rpad(pc.fill_null(f["f"], ""), 9, "0")
        ns = _ints(frac)
        zulu = pc.not_equal(pc.fill_null(f["zulu"], ""), "").to_numpy(zero_copy_only=False)
        sign = pc.fill_null(f["sign"], "").to_numpy(zero_copy_only=False)
        has_off = zulu | (sign != "")
        zh, zm = _ints(f["zh"]), _ints(f["zm"])
        off = np.where(sign == "-", -1, 1) * (zh * 3600 + zm * 60)
        ok = _valid_date_np(y, mo, d) & (hh <= 23) & (mi <= 59) & (ss <= 60) & (np.abs(off) < 86400)
        leap = ss == 60
        ss = np.where(leap, 59, ss)
        local = (
            _days_from_civil_np(np.where(ok, y, 1970), np.where(ok, mo, 1), np.where(ok, d, 1)) * DAY_US
            + hh * HOUR_US
            + mi * 60_000_000
            + ss * 1_000_000
            + ns // 1000
        )
        zoned_inst = local - off * 1_000_000
        naive_inst, naive_ok = tz.resolve_local(local)
        t = np.where(has_off, zoned_inst, naive_inst) + np.where(leap, 1_000_000, 0)
        st = np.where(~ok, UNPARSABLE_TIME, np.where(has_off | naive_ok, VALID, NONEXISTENT))
        status[idx] = st
        inst[idx] = np.where(st == VALID, t, 0)
    slow = np.flatnonzero(~fast & ~nulls)
    if len(slow):
        values = texts.take(pa.array(slow)).to_pylist()
        for i, v in zip(slow, values):
            s, t = parse_time_text(v, tz)
            status[i] = s
            inst[i] = t if t is not None else 0
    return status, inst


# --------------------------------------------------------------------------------------------
# Kinds, categories, ids, weights, values
# --------------------------------------------------------------------------------------------


def kind_index(label):
    """Kind::parse: 0 (encounter), 1 (concern) or -1."""
    if label is None:
        return -1
    # ASCII text: `eq_ignore_ascii_case`; other text: `to_lowercase` (str.lower is both here).
    return KIND_LABELS.get(rs_trim(label).lower(), -1)


def _map_strings(arr: pa.Array, fn, out_type):
    """`fn` applied to each distinct value of a text column (nulls stay null)."""
    if not pa.types.is_dictionary(arr.type):
        arr = pc.dictionary_encode(arr)
    dictionary = arr.dictionary.to_pylist()
    mapped = pa.array([fn(v) for v in dictionary], type=out_type)
    return mapped.take(arr.indices)


_INT_TEXT = re.compile(r"[+-]?[0-9]+\Z")


def id_int_of_text(t: str):
    """IdKey::of_text's integer reading of trimmed text: i64 bits, or None (text key)."""
    if not t or t[0] not in "0123456789+-" or not _INT_TEXT.match(t):
        return None
    v = int(t)
    if -(1 << 63) <= v < (1 << 63):
        return v
    if t[0] != "-" and v < (1 << 64):
        return v - (1 << 64)  # u64 read, as the same bits
    return None


def rust_float_text(v: float) -> str:
    """f64's Display in Rust: shortest round-trip digits, never an exponent, no `.0`."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    s = format(Decimal(repr(v)), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def truncated(text: str) -> str:
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


def weight_units(w: np.ndarray):
    """(w × 2⁴⁰).round() as i128, split in (hi, lo) = (units >> 32, units & (2³² − 1))."""
    x = w * WEIGHT_SCALE
    r = np.trunc(x)
    r = r + np.where(np.abs(x - r) >= 0.5, np.sign(x), 0.0)  # half away from zero, exactly
    if len(r) and r.max() >= 2.0**95:
        raise ValueError("a weight ≥ 2^55 does not fit this job's weight units")
    hi = np.floor(r / 4294967296.0)
    lo = r - hi * 4294967296.0
    return hi.astype(np.int64), lo.astype(np.int64)


# --------------------------------------------------------------------------------------------
# Districts (crates/core/src/space/districts.rs, study_area.rs)
# --------------------------------------------------------------------------------------------


class DistrictsLayer:
    """The districts of a GeoJSON text with shapely: `locate` is the lowest-index district whose
    (Multi)Polygon intersects the point (boundary included); a cell is in the study area when
    its centre has a district."""

    def __init__(self, text: str):
        import shapely

        doc = json.loads(text)
        if doc.get("type") != "FeatureCollection":
            raise ValueError("the districts layer is not a GeoJSON FeatureCollection")
        self.geoms = []
        self.names = []
        for i, f in enumerate(doc.get("features") or []):
            g = f.get("geometry")
            if not g or g.get("type") not in ("Polygon", "MultiPolygon"):
                raise ValueError(f"feature {i + 1} is not a Polygon or MultiPolygon")
            name = (f.get("properties") or {}).get("name")
            if name is None:
                raise ValueError(f"feature {i + 1} has no `name` property")
            geom = shapely.from_geojson(json.dumps(g))
            if not shapely.is_valid(geom):
                raise ValueError(f"feature {i + 1} ({name}) is not a valid polygon: {shapely.is_valid_reason(geom)}")
            shapely.prepare(geom)
            self.geoms.append(geom)
            self.names.append(name)
        if not self.geoms:
            raise ValueError("the layer holds no districts")
        self.bounds = [g.bounds for g in self.geoms]
        self._cells: dict = {}

    def __len__(self):
        return len(self.geoms)

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Per point, the district index, -1 for none."""
        import shapely

        out = np.full(len(lon), -1, dtype=np.int32)
        for i, g in enumerate(self.geoms):
            x0, y0, x1, y1 = self.bounds[i]
            cand = (out < 0) & (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
            if not cand.any():
                continue
            ci = np.flatnonzero(cand)
            hit = shapely.intersects_xy(g, lon[ci], lat[ci])
            out[ci[hit]] = i
        return out

    def cells_in_area(self, cells: np.ndarray) -> np.ndarray:
        """Per cell (int64), whether its centre lies in a district (cached per process)."""
        from h3.api import basic_int

        uniq, inverse = np.unique(cells, return_inverse=True)
        known = self._cells
        todo = [int(c) for c in uniq if int(c) not in known]
        if todo:
            centres = np.array([basic_int.cell_to_latlng(c) for c in todo], dtype=np.float64)
            where = self.locate(centres[:, 1], centres[:, 0])
            for c, w in zip(todo, where):
                known[c] = bool(w >= 0)
        flags = np.array([known[int(c)] for c in uniq], dtype=bool)
        return flags[inverse]


_DISTRICTS_CACHE: dict = {}


def districts_layer(text: str, sha: str) -> DistrictsLayer:
    d = _DISTRICTS_CACHE.get(sha)
    if d is None:
        d = _DISTRICTS_CACHE[sha] = DistrictsLayer(text)
    return d


# --------------------------------------------------------------------------------------------
# The row UDF: one Arrow batch of raw rows in, one batch of indexed rows out
# --------------------------------------------------------------------------------------------

OUT_SCHEMA = pa.schema(
    [
        ("fi", pa.int32()),
        ("ri", pa.int64()),
        ("st", pa.int8()),
        ("area", pa.bool_()),
        ("day", pa.int32()),
        ("h3", pa.int64()),
        ("hour", pa.int8()),
        ("kind", pa.int8()),
        ("cat", pa.string()),
        ("dist", pa.int32()),
        ("hi", pa.int64()),
        ("lo", pa.int64()),
        ("idi", pa.int64()),
        ("idt", pa.string()),
        ("idr", pa.string()),
        ("xcol", pa.string()),
        ("xval", pa.string()),
    ]
)
OUT_DDL = (
    "fi int, ri long, st byte, area boolean, day int, h3 long, hour byte, kind byte, cat string, "
    "dist int, hi long, lo long, idi long, idt string, idr string, xcol string, xval string"
)


def _np(arr: pa.Array, fill, dtype):
    return pc.fill_null(arr, fill).to_numpy(zero_copy_only=False).astype(dtype, copy=False)


def _nulls(arr: pa.Array) -> np.ndarray:
    return arr.is_null().to_numpy(zero_copy_only=False)


def process_batch(b: pa.RecordBatch, params: dict) -> pa.RecordBatch:
    tz = tz_table(params["tz"])
    layer = districts_layer(params["districts_text"], params["districts_sha"]) if params["districts_text"] else None
    names = params["names"]
    n = b.num_rows
    col = {name: b.column(i) for i, name in enumerate(b.schema.names)}
    if col["fi"].null_count:
        raise ValueError("rows whose input file is not known (Spark's _metadata.file_path matched no input)")
    fi = _np(col["fi"], -1, np.int32)
    ri = _np(col["ri"], 0, np.int64)
    st = np.zeros(n, dtype=np.int8)
    fld = np.zeros(n, dtype=np.int8)

    def reject(mask, code, field):
        m = mask & (st == VALID)
        st[m] = ST[code]
        fld[m] = field

    # Location (check_coordinates).
    lat_null, lon_null = _nulls(col["lat"]), _nulls(col["lon"])
    lat = _np(col["lat"], 0.0, np.float64)
    lon = _np(col["lon"], 0.0, np.float64)
    reject(lat_null, "missing_coordinate", F_LAT)
    reject(lon_null, "missing_coordinate", F_LON)
    with np.errstate(invalid="ignore"):
        reject(~np.isfinite(lat), "non_finite_coordinate", F_LAT)
        reject(~np.isfinite(lon), "non_finite_coordinate", F_LON)
        reject(~((lat >= -90.0) & (lat <= 90.0)), "latitude_out_of_range", F_LAT)
        reject(~((lon >= -180.0) & (lon <= 180.0)), "longitude_out_of_range", F_LON)
        reject((lat == 0.0) & (lon == 0.0), "null_island", F_LAT)

    # Time (check_time).
    modes = np.array(params["time_modes"], dtype=object)  # per input: instant, local, text
    mode = modes[np.clip(fi, 0, len(modes) - 1)]
    inst = np.zeros(n, dtype=np.int64)
    tval = tnull = None  # the time cell's number (µs), for the examples
    if params["time_text"]:
        tst, inst = parse_text_times(col["ttext"], tz)
        m = (tst != VALID) & (st == VALID)
        st[m] = tst[m]
        fld[m] = F_TIME
    else:
        tnull = _nulls(col["tnum"])
        tnum = _np(col["tnum"], 0, np.int64)
        if params["time_nanos"]:
            tnum = np.floor_divide(tnum, 1000)
        tval = tnum
        reject(tnull, "missing_time", F_TIME)
        local = mode == "local"
        if local.any():
            secs = np.floor_divide(tnum, 1_000_000)
            reject(local & ((secs < MIN_SECS) | (secs > MAX_SECS)), "unparsable_time", F_TIME)
            li = np.flatnonzero(local & (st == VALID))
            if len(li):
                t, ok = tz.resolve_local(tnum[li])
                inst[li] = t
                bad = np.zeros(n, dtype=bool)
                bad[li[~ok]] = True
                reject(bad, "nonexistent_local_time", F_TIME)
        inst = np.where(local, inst, tnum)

    # Kind.
    kinds = _map_strings(col["kind"], kind_index, pa.int8())
    kind = _np(kinds, -1, np.int8)
    reject(kind < 0, "unknown_kind", F_KIND)

    # Weight (check_weight).
    if params["has_weight"]:
        w = _np(col["wt"], 1.0, np.float64)
        with np.errstate(invalid="ignore"):
            reject(~np.isfinite(w), "non_finite_weight", F_WEIGHT)
            reject(w < 0.0, "negative_weight", F_WEIGHT)
    else:
        w = np.ones(n, dtype=np.float64)

    # Ids: the duplicate check's key (IdKey: integers, and text that reads as one, as i64 bits;
    # other text trimmed), left to the Spark window.
    idi = idt = idr = None
    if params["id_kind"] == "int":
        idi = col["idi"]
        idr = col["idr"] if params["id_u64"] else None
    elif params["id_kind"] == "text":
        raw = col["idr"]
        if raw.type != pa.string():
            raw = pc.cast(raw, pa.string())
        trimmed = pc.utf8_trim(raw, WS)
        intlike = pc.fill_null(pc.match_substring_regex(trimmed, r"^[+-]?[0-9]+$"), False).to_numpy(zero_copy_only=False)
        ints = np.zeros(n, dtype=np.int64)
        is_int = np.zeros(n, dtype=bool)
        if intlike.any():
            ix = np.flatnonzero(intlike)
            for i, t in zip(ix, trimmed.take(pa.array(ix)).to_pylist()):
                v = id_int_of_text(t)
                if v is not None:
                    ints[i] = v
                    is_int[i] = True
        idi = pa.array(ints, mask=~is_int)
        idt = pc.if_else(pa.array(is_int), pa.scalar(None, pa.string()), trimmed)
        idr = raw

    # Valid rows: cell, local day and hour, study area, district, weight units.
    valid = st == VALID
    vi = np.flatnonzero(valid)
    area = np.zeros(n, dtype=bool)
    day = np.zeros(n, dtype=np.int32)
    h3c = np.zeros(n, dtype=np.int64)
    hour = np.zeros(n, dtype=np.int8)
    dist = np.full(n, -1, dtype=np.int32)
    hi = np.zeros(n, dtype=np.int64)
    lo = np.zeros(n, dtype=np.int64)
    if len(vi):
        from h3.api import basic_int

        res = params["resolution"]
        to_cell = basic_int.latlng_to_cell
        cells = np.array([to_cell(a, o, res) for a, o in zip(lat[vi].tolist(), lon[vi].tolist())], dtype=np.uint64)
        cells = cells.view(np.int64)
        t = inst[vi]
        local_us = t + tz.offset_us(t)
        d = np.clip(np.floor_divide(local_us, DAY_US), -(1 << 31), (1 << 31) - 1)
        hr = np.minimum(np.mod(local_us, DAY_US) // HOUR_US, 23)
        day[vi] = d
        if layer is not None:
            inside = layer.cells_in_area(cells)
        else:
            inside = np.ones(len(vi), dtype=bool)
        area[vi] = inside
        ai = vi[inside]
        h3c[vi] = cells
        hour[vi] = hr
        if layer is not None and len(ai):
            dist[ai] = layer.locate(lon[ai], lat[ai])
        if len(ai):
            hi[ai], lo[ai] = weight_units(w[ai])
    in_row = valid & area

    # The offending value of each rejected row (ingest/mod.rs `validate_chunk`).
    xcol = xval = None
    ri_rej = np.flatnonzero(~valid)
    if len(ri_rej):
        cols_by_field = [names["lat"], names["lon"], names["time"], names["kind"], names["weight"], names["id"]]
        xc, xv = [None] * n, [None] * n
        ttext = col["ttext"] if params["time_text"] else None
        kind_raw = col["kind"]
        for i in ri_rej.tolist():
            f = int(fld[i])
            xc[i] = cols_by_field[f]
            v = None
            if f == F_LAT:
                v = None if lat_null[i] else rust_float_text(float(lat[i]))
            elif f == F_LON:
                v = None if lon_null[i] else rust_float_text(float(lon[i]))
            elif f == F_TIME:
                if ttext is not None:
                    v = ttext[i].as_py()
                elif not tnull[i]:
                    v = str(int(tval[i]))  # TimeCell::Instant / Local: the µs
            elif f == F_KIND:
                v = kind_raw[i].as_py()
            elif f == F_WEIGHT:
                v = rust_float_text(float(w[i]))
            xv[i] = truncated(v) if v is not None else ""
        xcol = pa.array(xc, pa.string())
        xval = pa.array(xv, pa.string())

    def masked(values, keep, typ):
        return pa.array(values, type=typ, mask=~keep)

    if params["has_category"]:
        cats = _map_strings(col["cat"], lambda v: (rs_trim(v) or None) if v is not None else None, pa.string())
        cat = pc.if_else(pa.array(in_row), cats, pa.scalar(None, pa.string()))
    else:
        cat = pa.nulls(n, pa.string())
    none_s = pa.nulls(n, pa.string())
    none_i = pa.nulls(n, pa.int64())
    keep_ids = valid  # only valid rows take part in the duplicate check
    arrays = [
        pa.array(fi, pa.int32()),
        pa.array(ri, pa.int64()),
        pa.array(st, pa.int8()),
        masked(area, valid, pa.bool_()),
        masked(day, valid, pa.int32()),
        masked(h3c, in_row, pa.int64()),
        masked(hour, in_row, pa.int8()),
        masked(kind, in_row, pa.int8()),
        cat,
        masked(dist, in_row & (dist >= 0), pa.int32()),
        masked(hi, in_row, pa.int64()),
        masked(lo, in_row, pa.int64()),
        pc.if_else(pa.array(keep_ids), idi, pa.scalar(None, pa.int64())) if idi is not None else none_i,
        pc.if_else(pa.array(keep_ids), idt, pa.scalar(None, pa.string())) if idt is not None else none_s,
        pc.if_else(pa.array(keep_ids), idr, pa.scalar(None, pa.string())) if idr is not None else none_s,
        xcol if xcol is not None else none_s,
        xval if xval is not None else none_s,
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=OUT_SCHEMA)


def process_partition(params: dict, batches):
    for b in batches:
        if b.num_rows:
            yield process_batch(b, params)


# --------------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------------


def _die(message: str):
    print(f"spark/cube.py: error: {message}", file=sys.stderr)
    sys.exit(2)


def _sha256_local(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="spark/cube.py",
        description="Write a hotspots partial cube (contract 1) from Parquet event exports with Spark.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="Parquet files, folders of them or globs (any Spark path)")
    p.add_argument("--out", required=True, metavar="PART.parquet", help="the partial cube to write (a local path on the driver)")
    p.add_argument("--districts", metavar="FILE.geojson", help="districts GeoJSON: the study area and each event's district")
    p.add_argument("--resolution", type=int, default=8, help="H3 resolution 0-15 (default 8)")
    p.add_argument("--tz", default="Europe/Helsinki", help="IANA zone of local days/hours and of times without zone")
    p.add_argument("--lat-col", default="lat")
    p.add_argument("--lon-col", default="lon")
    p.add_argument("--time-col", default="occurred_at")
    p.add_argument("--kind-col", default="kind")
    p.add_argument("--category-col", default="category")
    p.add_argument("--id-col", default="id")
    p.add_argument("--weight-col", default="weight")
    p.add_argument("--master", help="Spark master (default: spark-submit's, else local[*])")
    p.add_argument("--partitions", type=int, help="read the inputs into at least this many partitions")
    p.add_argument("--shuffle-partitions", type=int, help="spark.sql.shuffle.partitions (default 4 x cores)")
    p.add_argument("--batch-rows", type=int, default=65536, help="rows per Arrow batch handed to the UDF")
    p.add_argument(
        "--repeat", type=int, default=1, metavar="N",
        help="for measurements: run the read-index-aggregate-collect pass N times in the same session and print each time",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no accounting lines")
    a = p.parse_args(argv)
    if not 0 <= a.resolution <= 15:
        p.error("--resolution must be 0-15")
    return a


def _expand_inputs(spark, inputs):
    """[(name, uri, local_path or None)] in input order: files as given; folders as their
    *.parquet files (not hidden) in name order; globs in path order."""
    jvm = spark._jvm
    hconf = spark._jsc.hadoopConfiguration()
    Path = jvm.org.apache.hadoop.fs.Path
    out = []
    for arg in inputs:
        p = Path(arg)
        fs = p.getFileSystem(hconf)
        stats = fs.globStatus(p)
        if stats is None or len(stats) == 0:
            _die(f"{arg}: no such input")
        stats = sorted(stats, key=lambda s: s.getPath().toString())
        plain = len(stats) == 1 and not any(c in arg for c in "*?[{") and not stats[0].isDirectory()
        for s in stats:
            if s.isDirectory():
                children = [
                    c
                    for c in fs.listStatus(s.getPath())
                    if c.isFile() and c.getPath().getName().endswith(".parquet") and not c.getPath().getName().startswith((".", "_"))
                ]
                if not children:
                    _die(f"{s.getPath().toString()}: the folder holds no *.parquet file")
                files = sorted((c.getPath() for c in children), key=lambda q: q.getName())
            else:
                files = [s.getPath()]
            for q in files:
                q = fs.makeQualified(q)
                uri = q.toUri()
                local = uri.getPath() if uri.getScheme() == "file" else None
                name = arg if plain else (local if local is not None else q.toString())
                out.append((name, uri.toString(), local))
    seen = set()
    for name, uri, _ in out:
        if uri in seen:
            _die(f"{name}: the same file is given twice")
        seen.add(uri)
    return out


def _check_local_schema(path, cols, name):
    """The engine's per-file column checks (parquet_reader.rs `plan`) for a local file, and
    how its time column reads: instant (a timestamp with a zone), local (without), or text."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    names = [f.name for f in schema]
    for c in (cols["lat"], cols["lon"], cols["time"], cols["kind"], cols["category"], cols["id"], cols["weight"]):
        k = sum(1 for x in names if rs_trim(x) == c)
        if k > 1:
            _die(f"{name}: column `{c}` appears {k} times; rename or drop the copies")
    present = ", ".join(names)
    for c in (cols["lat"], cols["lon"], cols["time"], cols["kind"]):
        if c not in names:
            _die(f"{name}: no column `{c}` (the file has: {present}); name it with --{_flag_of(cols, c)}")
    num = lambda t: pa.types.is_integer(t) or pa.types.is_floating(t)  # noqa: E731
    text = lambda t: pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t) or (  # noqa: E731
        pa.types.is_dictionary(t) and (pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type))
    )

    def check(c, ok, expected):
        t = schema.field(c).type
        if not ok(t):
            _die(f"{name}: column `{c}` is {t}, expected {expected}")

    check(cols["lat"], num, "a floating-point number (WGS 84 degrees)")
    check(cols["lon"], num, "a floating-point number (WGS 84 degrees)")
    tt = schema.field(cols["time"]).type
    if pa.types.is_timestamp(tt):
        mode = "instant" if tt.tz is not None else "local"
    elif pa.types.is_date(tt):
        mode = "local"
    elif text(tt):
        mode = "text"
    else:
        _die(f"{name}: column `{cols['time']}` is {tt}, expected a timestamp, date or ISO-8601 text")
    check(cols["kind"], text, "text (`encounter` or `concern`)")
    if cols["category"] in names:
        check(cols["category"], text, "text")
    if cols["id"] in names:
        check(cols["id"], lambda t: text(t) or pa.types.is_integer(t), "text or integer")
    if cols["weight"] in names:
        check(cols["weight"], num, "a number ≥ 0")
    return mode


def _flag_of(cols, c):
    for k, v in cols.items():
        if v == c:
            return f"{k}-col"
    return "…-col"


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.time()
    try:
        tz_table(args.tz)
    except Exception:
        _die(f"--tz {args.tz}: unknown time zone (expected an IANA name such as Europe/Helsinki)")

    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession, Window
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    # In local mode the Python workers are this interpreter (its packages), unless told otherwise.
    SparkContext._ensure_initialized()
    conf = SparkConf()
    master = args.master or conf.get("spark.master", "local[*]")
    if master.startswith("local") and "PYSPARK_PYTHON" not in os.environ and not conf.contains("spark.pyspark.python"):
        os.environ["PYSPARK_PYTHON"] = sys.executable

    builder = SparkSession.builder.appName("hotspots-partial-cube")
    if args.master:
        builder = builder.master(args.master)
    builder = (
        builder.config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(args.batch_rows))
        .config("spark.sql.legacy.parquet.nanosAsLong", "true")
        .config("spark.sql.parquet.inferTimestampNTZ.enabled", "true")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.caseSensitive", "true")  # column names as the engine matches them
        .config("spark.ui.showConsoleProgress", "false")
    )
    if args.partitions:
        builder = builder.config("spark.sql.files.minPartitionNum", str(args.partitions))
    spark = builder.getOrCreate()
    jvm_ready = time.time()
    sc = spark.sparkContext
    sc.setLogLevel("ERROR")
    cores = sc.defaultParallelism
    spark.conf.set("spark.sql.shuffle.partitions", str(args.shuffle_partitions or max(4, 4 * cores)))
    # The executors import this file as module `cube` (its rules and the UDF).
    here = os.path.abspath(__file__)
    try:
        sc.addPyFile(here)
    except Exception as e:  # already shipped under another path (--py-files)
        print(f"spark/cube.py: note: addPyFile: {str(e).splitlines()[0]}", file=sys.stderr)
    sys.path.insert(0, os.path.dirname(here))
    import cube as rules  # the same file, as the executors see it

    cols = {
        "lat": args.lat_col,
        "lon": args.lon_col,
        "time": args.time_col,
        "kind": args.kind_col,
        "category": args.category_col,
        "id": args.id_col,
        "weight": args.weight_col,
    }

    # Inputs, in order, with their checks and hashes.
    files = _expand_inputs(spark, args.inputs)
    modes = []
    for name, uri, local in files:
        modes.append(_check_local_schema(local, cols, name) if local is not None else None)
    shas = {}
    remote = [uri for _, uri, local in files if local is None]
    for name, uri, local in files:
        if local is not None:
            shas[uri] = _sha256_local(local)
    if remote:
        Path = spark._jvm.org.apache.hadoop.fs.Path
        for k, v in sc.binaryFiles(",".join(remote)).mapValues(lambda b: hashlib.sha256(b).hexdigest()).collect():
            shas[Path(k).toUri().toString()] = v

    # Districts.
    districts_text = districts_sha = None
    stamp = None
    if args.districts:
        if "://" in args.districts and not args.districts.startswith("file:"):
            raw = sc.binaryFiles(args.districts).values().first()
        else:
            with open(args.districts.removeprefix("file:"), "rb") as f:
                raw = f.read()
        districts_sha = hashlib.sha256(raw).hexdigest()
        districts_text = raw.decode("utf-8")
        try:
            layer = rules.DistrictsLayer(districts_text)
        except ValueError as e:
            _die(f"--districts {args.districts}: {e}")
        builtin = os.path.join(os.path.dirname(os.path.dirname(here)), "data", "districts.geojson")
        builtin_sha = _sha256_local(builtin) if os.path.exists(builtin) else BUILTIN_DISTRICTS_SHA256
        stamp = {
            "name": BUILTIN_DISTRICTS_NAME if districts_sha == builtin_sha else args.districts,
            "districts": len(layer),
            "sha256": districts_sha,
        }

    # Read, with each row's input and row number.
    reader = spark.read.option("mergeSchema", "true")
    raw_df = reader.parquet(*[uri for _, uri, _ in files])
    schema = {f.name: f.dataType for f in raw_df.schema.fields}
    for c in (cols["lat"], cols["lon"], cols["time"], cols["kind"]):
        if c not in schema:
            _die(f"no column `{c}` in the inputs (they have: {', '.join(schema)})")
    numeric = (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.FloatType, T.DoubleType)

    def is_num(t):
        return isinstance(t, numeric) or (isinstance(t, T.DecimalType) and t.scale == 0 and t.precision == 20)

    for c in (cols["lat"], cols["lon"]):
        if not is_num(schema[c]):
            _die(f"column `{c}` is {schema[c].simpleString()}, expected a floating-point number")
    if not isinstance(schema[cols["kind"]], T.StringType):
        _die(f"column `{cols['kind']}` is {schema[cols['kind']].simpleString()}, expected text")
    tt = schema[cols["time"]]
    tcol = F.col(f"`{cols['time']}`")
    time_text = isinstance(tt, T.StringType)
    time_nanos = isinstance(tt, T.LongType)
    if isinstance(tt, T.TimestampType):
        tnum, default_mode = F.unix_micros(tcol), "instant"
    elif isinstance(tt, T.TimestampNTZType):
        tnum, default_mode = F.unix_micros(tcol.cast("timestamp")), "local"
    elif isinstance(tt, T.DateType):
        tnum, default_mode = F.unix_date(tcol).cast("long") * F.lit(DAY_US), "local"
    elif time_nanos:
        # TIMESTAMP(NANOS) read as its number (spark.sql.legacy.parquet.nanosAsLong).
        tnum, default_mode = tcol, "instant"
    elif time_text:
        tnum, default_mode = None, "text"
    else:
        _die(f"column `{cols['time']}` is {tt.simpleString()}, expected a timestamp, date or ISO-8601 text")
    modes = [m if m is not None else default_mode for m in modes]
    if time_text and any(m != "text" for m in modes) or not time_text and any(m == "text" for m in modes):
        _die("the inputs' time columns are of different kinds (text in some, timestamps in others)")
    if any(m is None for m in modes):
        print("spark/cube.py: note: remote inputs' zones are taken from Spark's types", file=sys.stderr)

    has_category = cols["category"] in schema
    has_weight = cols["weight"] in schema
    id_kind = None
    if cols["id"] in schema:
        t = schema[cols["id"]]
        if isinstance(t, T.StringType):
            id_kind = "text"
        elif isinstance(t, (T.ByteType, T.ShortType, T.IntegerType, T.LongType)):
            id_kind = "int"
        elif isinstance(t, T.DecimalType) and t.scale == 0 and t.precision == 20:
            id_kind = "int"  # UInt64
        else:
            _die(f"column `{cols['id']}` is {t.simpleString()}, expected text or integer")
    if has_category and not isinstance(schema[cols["category"]], T.StringType):
        _die(f"column `{cols['category']}` is {schema[cols['category']].simpleString()}, expected text")
    if has_weight and not is_num(schema[cols["weight"]]):
        _die(f"column `{cols['weight']}` is {schema[cols['weight']].simpleString()}, expected a number")

    # Each row's input: Spark's `_metadata.file_path` is the file's URI (`file:/x` or
    # `file:///x` for a local file, both are keys); a row that matches none stops the job.
    def uri_forms(uri):
        if uri.startswith("file:"):
            path = "/" + uri[len("file:"):].lstrip("/")
            return ["file:" + path, "file://" + path]
        return [uri]

    uri_index = F.create_map(
        *[x for i, (_, uri, _) in enumerate(files) for form in uri_forms(uri) for x in (F.lit(form), F.lit(i))]
    )
    q = lambda c: F.col(f"`{c}`")  # noqa: E731
    sel = [
        F.element_at(uri_index, F.col("_metadata.file_path")).cast("int").alias("fi"),
        F.col("_metadata.row_index").alias("ri"),
        q(cols["lat"]).cast("double").alias("lat"),
        q(cols["lon"]).cast("double").alias("lon"),
        (tnum.cast("long") if tnum is not None else F.lit(None).cast("long")).alias("tnum"),
        (tcol if time_text else F.lit(None).cast("string")).alias("ttext"),
        q(cols["kind"]).alias("kind"),
        (q(cols["category"]) if has_category else F.lit(None).cast("string")).alias("cat"),
        (q(cols["weight"]).cast("double") if has_weight else F.lit(None).cast("double")).alias("wt"),
    ]
    if id_kind == "int":
        idc = q(cols["id"])
        if isinstance(schema[cols["id"]], T.DecimalType):
            # UInt64 (Spark's decimal(20,0)) as the same 64 bits, as the engine keys it.
            big = F.lit(str(2**63)).cast("decimal(20,0)")
            idc = F.when(idc >= big, idc - F.lit(str(2**64)).cast("decimal(21,0)")).otherwise(idc)
        sel.append(idc.cast("long").alias("idi"))
    else:
        sel.append(F.lit(None).cast("long").alias("idi"))
    id_u64 = id_kind == "int" and isinstance(schema[cols["id"]], T.DecimalType)
    # The id as text, for the examples of duplicate_id (text ids; UInt64 ids above 2^63).
    sel.append((q(cols["id"]).cast("string") if id_kind == "text" or id_u64 else F.lit(None).cast("string")).alias("idr"))
    params = {
        "tz": args.tz,
        "resolution": args.resolution,
        "districts_text": districts_text,
        "districts_sha": districts_sha,
        "names": {"lat": cols["lat"], "lon": cols["lon"], "time": cols["time"], "kind": cols["kind"], "weight": cols["weight"], "id": cols["id"]},
        "time_modes": modes,
        "time_text": time_text,
        "time_nanos": time_nanos,
        "has_weight": has_weight,
        "has_category": has_category,
        "id_kind": id_kind,
        "id_u64": id_u64,
    }

    def plan(raw_df):
        """The whole distributed pass, from the read to the aggregate the driver collects."""
        rows = raw_df.select(*sel)

        indexed = rows.mapInArrow(functools.partial(rules.process_partition, params), OUT_DDL)

        # Duplicate ids: among valid rows, the first in (input, row) order keeps its id; the later
        # ones are `duplicate_id`. Rows without an id are their own partition (no skew on null).
        if id_kind is not None:
            keyed = (F.col("st") == VALID) & (F.col("idi").isNotNull() | F.col("idt").isNotNull())
            w = Window.partitionBy(
                F.when(keyed, F.col("idi")),
                F.when(keyed, F.col("idt")),
                F.when(~keyed, F.col("fi")),
                F.when(~keyed, F.col("ri")),
            ).orderBy("fi", "ri")
            dup = F.row_number().over(w) > 1
            idtext = F.coalesce(F.col("idr"), F.col("idi").cast("string"))
            idtext = F.when(F.length(idtext) > MAX_VALUE_CHARS, F.concat(F.substring(idtext, 1, MAX_VALUE_CHARS), F.lit("…"))).otherwise(idtext)
            indexed = indexed.withColumn("dup", dup)
            nul = lambda c, t: F.when(F.col("dup"), F.lit(None).cast(t)).otherwise(F.col(c))  # noqa: E731
            indexed = indexed.select(
                "fi",
                "ri",
                F.when(F.col("dup"), F.lit(ST["duplicate_id"]).cast("byte")).otherwise(F.col("st")).alias("st"),
                nul("area", "boolean").alias("area"),
                nul("day", "int").alias("day"),
                nul("h3", "long").alias("h3"),
                nul("hour", "byte").alias("hour"),
                nul("kind", "byte").alias("kind"),
                nul("cat", "string").alias("cat"),
                nul("dist", "int").alias("dist"),
                nul("hi", "long").alias("hi"),
                nul("lo", "long").alias("lo"),
                F.when(F.col("dup"), F.lit(cols["id"])).otherwise(F.col("xcol")).alias("xcol"),
                F.when(F.col("dup"), idtext).otherwise(F.col("xval")).alias("xval"),
            )

        # One shuffle: per input and status the rows, per cube key their events and weight units,
        # per reason its first offending value. The result (about as many rows as the partial
        # cube, more where inputs share keys) comes to the driver as Arrow and is finished there.
        keys = ["fi", "st", "area", "day", "h3", "hour", "kind", "cat", "dist"]
        agg1 = indexed.groupBy(*keys).agg(
            F.count(F.lit(1)).alias("n"),
            F.sum("hi").alias("hi"),
            F.sum("lo").alias("lo"),
            F.min_by(F.when(F.col("st") != VALID, F.struct("xcol", "xval")), F.col("ri")).alias("ex"),
        )
        return agg1

    runs = []
    for i in range(args.repeat):
        run_started = time.time()
        if i:  # a new plan, so that no shuffle output of the pass before is reused
            raw_df = spark.read.schema(raw_df.schema).parquet(*[uri for _, uri, _ in files])
        collected_table = plan(raw_df).toArrow()
        runs.append(time.time() - run_started)
    collected = time.time()
    acct, examples, table = finish_on_driver(collected_table)

    # Per-input accounting.
    inputs = []
    per = [
        {"read": 0, "valid": 0, "rejected": {}, "examples": {}, "days": {}}
        for _ in files
    ]
    for r in acct:
        if r["fi"] is None or r["fi"] < 0:
            _die("a row could not be matched to its input file (Spark's _metadata.file_path)")
        p = per[r["fi"]]
        n = int(r["n"])
        p["read"] += n
        if r["st"] == VALID:
            p["valid"] += n
            dd = p["days"].setdefault(int(r["day"]), [0, 0])
            dd[0 if r["area"] else 1] += n
        else:
            code = REASONS[r["st"] - 1]
            p["rejected"][code] = p["rejected"].get(code, 0) + n
    for r in examples:
        if r["ex"] is not None:
            per[r["fi"]]["examples"][REASONS[r["st"] - 1]] = [r["ex"]["xcol"], r["ex"]["xval"]]
    for (name, uri, _), p in zip(files, per):
        inputs.append(
            {
                "path": name,
                "sha256": shas[uri],
                "read": p["read"],
                "valid": p["valid"],
                "rejected_by_reason": {k: p["rejected"][k] for k in sorted(p["rejected"])},
                "examples": {k: p["examples"][k] for k in sorted(p["examples"])},
                "days": {day_text(d): p["days"][d] for d in sorted(p["days"], key=day_text)},
                "diagnoses": [],
                "rejects": [],
                "rejects_listed": False,
            }
        )
    meta = {
        "contract": CONTRACT_VERSION,
        "resolution": args.resolution,
        "tz": args.tz,
        "weight_bits": WEIGHT_BITS,
        "districts": stamp,
        "producer": f"{PRODUCER} on Spark {spark.version}",
        "inputs": inputs,
    }
    rows_written = write_partial(table, meta, args.out)
    done = time.time()
    if not args.quiet:
        for i in inputs:
            rej = sum(i["rejected_by_reason"].values())
            out_area = sum(v[1] for v in i["days"].values())
            detail = ", ".join(f"{k} {v}" for k, v in i["rejected_by_reason"].items())
            print(
                f"{i['path']}: read {i['read']}, valid {i['valid']} ({out_area} outside the study area), "
                f"rejected {rej}{' (' + detail + ')' if detail else ''}"
            )
        total = sum(i["read"] for i in inputs)
        print(
            f"wrote {args.out}: {rows_written} rows from {total} rows read; "
            f"{done - started:.1f} s in all (Spark start {jvm_ready - started:.1f} s, "
            f"read, index, aggregate and collect {collected - jvm_ready:.1f} s "
            f"({collected_table.num_rows} rows, {collected_table.nbytes / 1e6:.1f} MB as Arrow on the driver), "
            f"finish and write {done - collected:.1f} s)"
        )
        if len(runs) > 1:
            print("passes (read, index, aggregate, collect): " + ", ".join(f"{r:.1f} s" for r in runs))
    spark.stop()
    return 0


CUBE_SCHEMA = pa.schema(
    [
        pa.field("h3", pa.int64(), nullable=False),
        pa.field("day", pa.date32(), nullable=False),
        pa.field("hour", pa.int8(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=True),
        pa.field("district", pa.int32(), nullable=True),
        pa.field("events", pa.int64(), nullable=False),
        pa.field("weight_units", pa.decimal128(38, 0), nullable=False),
    ]
)


def finish_on_driver(t: pa.Table):
    """The collected aggregate split into the per-input accounting rows, the first offending
    value per input and reason, and the cube rows summed over the inputs."""
    st = t.column("st")
    acct = t.group_by(["fi", "st", "area", "day"], use_threads=False).aggregate([("n", "sum")]).to_pylist()
    for r in acct:
        r["n"] = r.pop("n_sum")
    rejected = t.filter(pc.not_equal(st, VALID)).select(["fi", "st", "ex"]).to_pylist()
    valid = t.filter(pc.and_(pc.equal(st, VALID), pc.fill_null(t.column("area"), False)))
    cube = valid.group_by(["h3", "day", "hour", "kind", "cat", "dist"], use_threads=False).aggregate(
        [("n", "sum"), ("hi", "sum"), ("lo", "sum")]
    )
    cube = cube.rename_columns([{"n_sum": "events", "hi_sum": "hi", "lo_sum": "lo"}.get(c, c) for c in cube.column_names])
    return acct, rejected, cube


def write_partial(table: pa.Table, meta: dict, out: str) -> int:
    """Sorts the cube rows as partial.rs does (PartialRow's derived Ord: cell, day, hour, kind
    index, category label with none first, district with none first) and writes them with the
    footer, atomically."""
    import pyarrow.parquet as pq

    table = table.combine_chunks() if table.num_rows else table
    order = pc.sort_indices(
        table,
        sort_keys=[("h3", "ascending"), ("day", "ascending"), ("hour", "ascending"), ("kind", "ascending"), ("cat", "ascending"), ("dist", "ascending")],
        null_placement="at_start",
    )
    t = table.take(order)
    n = t.num_rows
    hi = t.column("hi").to_numpy().astype(np.int64) if n else np.zeros(0, np.int64)
    lo = t.column("lo").to_numpy().astype(np.int64) if n else np.zeros(0, np.int64)
    if n and (hi.max() >= (1 << 30) or lo.max() >= (1 << 62) or hi.min() < 0):
        units = pa.array([Decimal((int(h) << 32) + int(l)) for h, l in zip(hi.tolist(), lo.tolist())], pa.decimal128(38, 0))
    else:
        units = pa.array((hi << 32) + lo, pa.int64()).cast(pa.decimal128(38, 0))
    kinds = np.array(KINDS, dtype=object)[t.column("kind").to_numpy().astype(np.int64)] if n else []
    cube = pa.Table.from_arrays(
        [
            t.column("h3").cast(pa.int64()),
            t.column("day").cast(pa.int32()).cast(pa.date32()),
            t.column("hour").cast(pa.int8()),
            pa.array(list(kinds), pa.string()),
            t.column("cat").cast(pa.string()),
            t.column("dist").cast(pa.int32()),
            t.column("events").cast(pa.int64()),
            units,
        ],
        schema=CUBE_SCHEMA,
    )
    cube = cube.replace_schema_metadata({METADATA_KEY: json.dumps(meta, ensure_ascii=False, separators=(",", ":"))})
    out_dir = os.path.dirname(os.path.abspath(out))
    os.makedirs(out_dir, exist_ok=True)
    tmp = os.path.join(out_dir, f".hotspots-partial-{os.getpid()}.tmp")
    try:
        pq.write_table(cube, tmp, compression="zstd", row_group_size=1 << 17)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return n


if __name__ == "__main__":
    sys.exit(main())
