"""A synthetic cohort in the columnar layout: deterministic by seed, vectorised with numpy.

Proportions come from ``knowledge/synthetic.yaml`` (:class:`SyntheticKnowledge`);
ISH values are drawn inside the bands of the knowledge-base cut-offs, so each
generated count falls in the intended ISH group.  Planted quality gaps (IHC 2+
never reflexed, doses after a stop, doses during a pregnancy, ...) make every
audit find patients.  The same seed and size always give the same tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from her2path.cohort.layout import TABLES
from her2path.kb.audits import labelled_sites
from her2path.kb.model import KnowledgeBase

EPOCH = date(1970, 1, 1)
IHC = np.array(["0", "1+", "2+", "3+"])
SITES = np.array(["breast", "gastric", "gej", "oesophageal"])
SETTINGS = np.array(
    [
        "metastatic",
        "early_preoperative",
        "early_residual_disease",
        "locally_advanced",
        "early_postoperative",
    ]
)
# HER2 classes the generator draws before it writes test results.
POS, LOW, ULTRALOW, ZERO, NEG = 0, 1, 2, 3, 4
REFERENCE_TRASTUZUMAB = "herceptin"


def _biosimilars(kb: KnowledgeBase) -> tuple[np.ndarray, np.ndarray]:
    """IV trastuzumab biosimilars of the knowledge base: with a gastric label, and breast-only."""
    sites = labelled_sites(kb)
    bios = sorted(p.id for p in kb.products if p.biosimilar_of == REFERENCE_TRASTUZUMAB)
    wide = [b for b in bios if set(sites[b]) - {"breast"}]
    narrow = [b for b in bios if not set(sites[b]) - {"breast"}]
    return np.array(wide or bios), np.array(narrow or bios)


def _day(d: date) -> int:
    return (d - EPOCH).days


def _dates(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(days.astype(np.int32), type=pa.int32(), mask=None if valid is None else ~valid)
    return arr.cast(pa.date32())


def _codes(idx: np.ndarray, values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    indices = pa.array(idx.astype(np.int32), mask=None if valid is None else ~valid)
    return pa.DictionaryArray.from_arrays(indices, pa.array(values.tolist())).cast(pa.string())


def _ids(prefix: str, n: int, start: int = 0) -> pa.Array:
    digits = pc.utf8_lpad(pa.array(np.arange(start, start + n)).cast(pa.string()), 9, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def _suffix(ids: pa.Array, idx: np.ndarray, suffix: str) -> pa.Array:
    return pc.binary_join_element_wise(ids.take(pa.array(idx)), pa.scalar(suffix), "")


@dataclass
class _Rows:
    """Columns of one table, appended in blocks and joined at the end."""

    blocks: list[dict[str, pa.Array]] = field(default_factory=list)

    def add(self, **cols: pa.Array) -> None:
        self.blocks.append(cols)

    def table(self, name: str) -> pa.Table:
        schema = TABLES[name].schema()
        parts = []
        for b in self.blocks:
            n = len(next(iter(b.values())))
            arrays = [b.get(f.name, pa.nulls(n, f.type)).cast(f.type) for f in schema]
            parts.append(pa.Table.from_arrays(arrays, schema=schema))
        if not parts:
            return schema.empty_table()
        return pa.concat_tables(parts).combine_chunks()


class _Gen:
    def __init__(self, kb: KnowledgeBase, n: int, seed: int, as_of: date, chunk: int = 0) -> None:
        self.kb = kb
        self.s = kb.synthetic
        self.n = n
        self.rng = np.random.default_rng([seed, chunk])
        self.course_prefix = f"T{chunk:03d}-"
        self.as_of = _day(as_of)
        crit = kb.her2.for_site("breast")
        self.ratio = crit.cutoffs["ratio"].value
        self.c4 = crit.cutoffs["copies_amplified"].value
        self.c6 = crit.cutoffs["copies_high"].value
        self.her2 = _Rows()
        self.therapies = _Rows()
        self.admins = _Rows()
        self.lvef = _Rows()
        self.preg = _Rows()
        self.events = _Rows()
        self.course_no = 0
        self.pending_admins: list[tuple[pa.Array, pa.Array, np.ndarray, np.ndarray]] = []

    def p(self, name: str) -> float:
        return self.s.p(name)

    def coin(self, name: str, size: int) -> np.ndarray:
        return self.rng.random(size) < self.p(name)

    # ------------------------------------------------------------------ ISH values
    def ish_values(self, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ratio and mean HER2 copies inside the band of each ISH group (1-5)."""
        k = len(groups)
        u1, u2 = self.rng.random(k), self.rng.random(k)
        r, c4, c6 = self.ratio, self.c4, self.c6
        lo_r = np.where(groups <= 2, r * 1.02, r * 0.4)
        hi_r = np.where(groups <= 2, r * 3.0, r * 0.98)
        lo_c = np.select(
            [groups == 1, groups == 2, groups == 3, groups == 4], [c4, 1.5, c6, c4], 1.0
        )
        hi_c = np.select(
            [groups == 1, groups == 2, groups == 3, groups == 4],
            [c6 * 2, c4 * 0.98, c6 * 1.5, c6 * 0.98],
            c4 * 0.98,
        )
        lo_c = np.where(groups == 1, c4 * 1.02, lo_c)
        ratio = np.round(lo_r + u1 * (hi_r - lo_r), 2)
        copies = np.round(lo_c + u2 * (hi_c - lo_c), 2)
        # Keep rounding from landing on a cut-off of another group.
        ratio = np.where((groups <= 2) & (ratio < r), r, ratio)
        ratio = np.where((groups > 2) & (ratio >= r), r - 0.01, ratio)
        return ratio, copies

    def add_specimen(
        self,
        ids: pa.Array,
        who: np.ndarray,
        suffix: str,
        origin: str,
        procedure: str,
        day: np.ndarray,
        after_neo: bool,
        score: np.ndarray,
        membrane: np.ndarray,
        group: np.ndarray,
        recount: np.ndarray | None = None,
    ) -> None:
        """One specimen per patient in ``who``: IHC where score >= 0, ISH where group > 0."""
        if len(who) == 0:
            return
        spec = _suffix(ids, who, suffix)
        common = {
            "origin": pa.array([origin] * len(who)),
            "procedure": pa.array([procedure] * len(who)),
            "collected": _dates(day),
            "after_neoadjuvant": pa.array(np.full(len(who), after_neo)),
        }
        has_ihc = score >= 0
        if has_ihc.any():
            w = np.flatnonzero(has_ihc)
            mem = membrane[w]
            self.her2.add(
                patient_id=ids.take(pa.array(who[w])),
                specimen_id=spec.take(pa.array(w)),
                **{k: v.take(pa.array(w)) for k, v in common.items()},
                test=pa.array(["ihc"] * len(w)),
                result_date=_dates(day[w] + 3),
                ihc_score=_codes(score[w], IHC),
                membrane_staining=pa.array(mem == 1, mask=mem < 0),
            )
        has_ish = group > 0
        if has_ish.any():
            w = np.flatnonzero(has_ish)
            ratio, copies = self.ish_values(group[w])
            by_cep = self.coin("ratio_from_cep17", len(w))
            cep17 = np.round(copies / ratio, 2)
            cols = {
                "patient_id": ids.take(pa.array(who[w])),
                "specimen_id": spec.take(pa.array(w)),
                **{k: v.take(pa.array(w)) for k, v in common.items()},
                "test": pa.array(["dual_probe_ish"] * len(w)),
                "result_date": _dates(day[w] + 6),
                "ish_ratio": pa.array(ratio, mask=by_cep),
                "her2_copies": pa.array(copies),
                "cep17_copies": pa.array(cep17, mask=~by_cep),
                "cells_counted": pa.array(self.rng.integers(20, 61, len(w)).astype(np.int32)),
            }
            if recount is not None:
                rc = recount[w]
                rg = np.where(
                    self.rng.random(len(w)) < 0.7, group[w], self.rng.integers(1, 6, len(w))
                )
                rr, rcop = self.ish_values(rg)
                cols["recount_ratio"] = pa.array(rr, mask=~rc)
                cols["recount_her2_copies"] = pa.array(rcop, mask=~rc)
            self.her2.add(**cols)

    def specimen_for_class(self, cls: np.ndarray, gastric: np.ndarray) -> tuple[np.ndarray, ...]:
        """IHC score, membrane staining and ISH group for each patient's HER2 class."""
        k = len(cls)
        by_ish = self.coin("positive_by_ish", k)
        low2 = self.coin("low_by_ihc2", k)
        score = np.select(
            [cls == POS, cls == LOW, cls == ULTRALOW, cls == ZERO],
            [np.where(by_ish, 2, 3), np.where(low2, 2, 1), 0, 0],
            self.rng.integers(0, 2, k),
        )
        membrane = np.select([cls == ULTRALOW, cls == ZERO], [1, 0], -1)
        membrane = np.where(gastric | (score > 0), -1, membrane)
        group = np.select([(cls == POS) & by_ish, (cls == LOW) & low2], [1, 5], 0)
        missing = (score == 2) & self.coin("ihc2_missing_ish", k)
        group = np.where(missing, 0, group)
        return score, membrane, group

    # ------------------------------------------------------------------ therapies
    def course(
        self,
        ids: pa.Array,
        who: np.ndarray,
        drug: np.ndarray,
        setting: str,
        start: np.ndarray,
        end: np.ndarray,
        reason: np.ndarray,
        doses: bool = True,
    ) -> None:
        """Courses (``end`` < 0: ongoing; ``reason`` '' none) and, if ``doses``, their doses."""
        k = len(who)
        if k == 0:
            return
        ongoing = (end < 0) | (end > self.as_of)
        end = np.where(ongoing, -1, end)
        reason = np.where(ongoing, "", reason)
        first = self.course_no
        self.course_no += k
        tid = _ids(self.course_prefix, k, first)
        self.therapies.add(
            patient_id=ids.take(pa.array(who)),
            therapy_id=tid,
            drug=pa.array(drug.tolist()),
            setting=pa.array([setting] * k),
            start_date=_dates(start),
            end_date=_dates(np.maximum(end, 0), ~ongoing),
            reason_stopped=pa.array(reason.tolist(), mask=reason == ""),
        )
        if not doses:
            return
        step = int(self.p("dose_interval_days"))
        stop = np.where(ongoing, self.as_of, end)
        count = np.maximum((stop - start) // step + 1, 1)
        # A share of courses stopped for good gets more doses after the stop.
        stopped = (reason != "") & (reason != "completed") & (reason != "patient_choice")
        extra = np.where(stopped & self.coin("doses_after_stop", k), self.rng.integers(1, 4, k), 0)
        total = count + extra
        rep = np.repeat(np.arange(k), total)
        offset = np.arange(total.sum()) - np.repeat(np.cumsum(total) - total, total)
        day = start[rep] + offset * step
        after = offset >= count[rep]
        day = np.where(after, end[rep] + (offset - count[rep] + 1) * step, day)
        self.pending_admins.append(
            (ids.take(pa.array(who[rep])), tid.take(pa.array(rep)), day, who[rep])
        )

    def flush_admins(self, drop: np.ndarray | None = None) -> None:
        """Write the pending doses, leaving out those ``drop`` marks (holds, pregnancies)."""
        pos = 0
        for pid, tid, day, _ in self.pending_admins:
            k = len(day)
            keep = np.ones(k, dtype=bool) if drop is None else ~drop[pos : pos + k]
            pos += k
            w = pa.array(np.flatnonzero(keep))
            self.admins.add(
                patient_id=pid.take(w), therapy_id=tid.take(w), admin_date=_dates(day[keep])
            )
        self.pending_admins = []


CHUNK = 1_000_000


def generate_chunks(
    kb: KnowledgeBase, patients: int, seed: int, as_of: date, chunk: int = CHUNK
) -> Iterator[dict[str, pa.Table]]:
    """The cohort in parts of at most ``chunk`` patients (memory stays flat for 10M)."""
    for k, start in enumerate(range(0, patients, chunk)):
        yield generate(kb, min(chunk, patients - start), seed, as_of, k, start)


def write_cohort(
    kb: KnowledgeBase, patients: int, seed: int, as_of: date, folder: Path, fmt: str = "parquet"
) -> dict[str, int]:
    """Generate and write a cohort part by part; return the rows written per table."""
    folder.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {name: 0 for name in TABLES}
    parquet: dict[str, pq.ParquetWriter] = {}
    csv: dict[str, pacsv.CSVWriter] = {}
    try:
        for part in generate_chunks(kb, patients, seed, as_of):
            for name, t in part.items():
                rows[name] += t.num_rows
                if fmt == "csv":
                    if name not in csv:
                        csv[name] = pacsv.CSVWriter(folder / f"{name}.csv", t.schema)
                    csv[name].write_table(t)
                else:
                    if name not in parquet:
                        parquet[name] = pq.ParquetWriter(folder / f"{name}.parquet", t.schema)
                    parquet[name].write_table(t)
    finally:
        for w in parquet.values():
            w.close()
        for c in csv.values():
            c.close()
    return rows


def generate(
    kb: KnowledgeBase, patients: int, seed: int, as_of: date, chunk: int = 0, first_id: int = 0
) -> dict[str, pa.Table]:
    """The seven tables of a synthetic cohort of ``patients`` patients (one part)."""
    g = _Gen(kb, patients, seed, as_of, chunk)
    rng, n = g.rng, patients
    ids = _ids("P", n, first_id)

    # -- patients -------------------------------------------------------------------
    cum = np.cumsum([g.p("site_breast"), g.p("site_gastric"), g.p("site_gej")])
    site = np.searchsorted(cum, rng.random(n))
    breast = site == 0
    diag = g.as_of - rng.integers(365, 2200, n)
    age = np.clip(rng.normal(60, 12, n), 25, 90)
    birth = diag - (age * 365.25).astype(np.int64)
    female = np.where(breast, g.coin("breast_female", n), ~g.coin("other_male", n))
    scum = np.cumsum(
        [
            g.p("setting_metastatic"),
            g.p("setting_early_preoperative"),
            g.p("setting_residual"),
            g.p("setting_locally_advanced"),
        ]
    )
    setting = np.searchsorted(scum, rng.random(n))
    setting = np.where(breast, setting, 0)
    metastatic = setting == 0
    er = np.where(g.coin("er_positive", n), 0, 2)
    pr = np.where((er == 0) & g.coin("pr_positive_given_er", n), 0, 2)
    receptors = np.array(["positive", "low", "negative"])
    patients_t = pa.table(
        {
            "patient_id": ids,
            "sex": _codes(np.where(female, 0, 1), np.array(["female", "male"])),
            "birth_date": _dates(birth),
            "site": _codes(site, SITES),
            "setting": _codes(setting, SETTINGS),
            "diagnosis_date": _dates(diag),
            "er": _codes(er, receptors, breast),
            "pr": _codes(pr, receptors, breast),
        },
        schema=TABLES["patients"].schema(),
    )

    # -- HER2 class and specimens -------------------------------------------------------
    u = rng.random(n)
    pos_p = np.where(breast, g.p("breast_her2_positive"), g.p("gastric_her2_positive"))
    low_p = g.p("her2_low_among_negative")
    ul_p = g.p("her2_ultralow_among_negative")
    v = rng.random(n)
    neg_cls = np.where(v < low_p, LOW, np.where(v < low_p + ul_p, ULTRALOW, ZERO))
    cls = np.where(u < pos_p, POS, np.where(breast, neg_cls, NEG))
    gastric = ~breast
    everyone = np.arange(n)
    s1_day = diag - rng.integers(0, 30, n)
    score, membrane, group = g.specimen_for_class(cls, gastric)
    for proc, mask in (("core_biopsy", breast), ("endoscopic_biopsy", gastric)):
        w = everyone[mask]
        g.add_specimen(
            ids, w, "-S1", "primary", proc, s1_day[w], False, score[w], membrane[w], group[w]
        )

    met_day = np.minimum(diag + rng.integers(0, 700, n), g.as_of - 120)
    rebiopsy = metastatic & g.coin("metastasis_rebiopsy", n)
    change = rebiopsy & g.coin("status_change_on_rebiopsy", n)
    new_cls = np.where(gastric, np.where(rng.random(n) < 0.5, POS, NEG), rng.integers(0, 4, n))
    cls2 = np.where(change, new_cls, cls)
    w = everyone[rebiopsy]
    sc, me, gr = g.specimen_for_class(cls2[w], gastric[w])
    g.add_specimen(ids, w, "-S2", "metastasis", "core_biopsy", met_day[w] + 10, False, sc, me, gr)

    residual = setting == 2
    w = everyone[residual]
    sc, me, gr = g.specimen_for_class(cls[w], gastric[w])
    g.add_specimen(ids, w, "-S3", "primary", "excision", diag[w] + 180, True, sc, me, gr)

    w = everyone[g.coin("ish_only_group2to4", n)]
    gr = rng.integers(2, 5, len(w))
    g.add_specimen(
        ids,
        w,
        "-S4",
        "primary",
        "core_biopsy",
        s1_day[w] + 5,
        False,
        np.full(len(w), -1),
        np.full(len(w), -1),
        gr,
    )
    w = everyone[g.coin("ish_groups_with_ihc", n) & breast]
    gr = rng.integers(2, 5, len(w))
    rec = g.coin("recount_given", len(w))
    g.add_specimen(
        ids,
        w,
        "-S5",
        "primary",
        "excision",
        s1_day[w] + 20,
        False,
        rng.integers(0, 4, len(w)),
        np.where(rng.random(len(w)) < 0.5, 1, -1),
        gr,
        rec,
    )
    w = everyone[g.coin("same_day_specimens", n) & breast]
    sc, me, gr = g.specimen_for_class(rng.integers(0, 4, len(w)), np.zeros(len(w), dtype=bool))
    g.add_specimen(ids, w, "-S6", "primary", "core_biopsy", s1_day[w], False, sc, me, gr)

    # -- events -------------------------------------------------------------------------
    w = everyone[metastatic]
    g.events.add(
        patient_id=ids.take(pa.array(w)),
        event_date=_dates(met_day[w]),
        kind=pa.array(["metastasis_diagnosed"] * len(w)),
    )
    prog_day = met_day + rng.integers(150, 600, n)
    progressed = metastatic & g.coin("progression", n) & (prog_day < g.as_of)
    w = everyone[progressed]
    g.events.add(
        patient_id=ids.take(pa.array(w)),
        event_date=_dates(prog_day[w]),
        kind=pa.array(["progression"] * len(w)),
    )
    w = everyone[(setting == 1) | residual]
    g.events.add(
        patient_id=ids.take(pa.array(w)),
        event_date=_dates(diag[w] + 170),
        kind=pa.array(["surgery"] * len(w)),
    )

    # -- therapies ----------------------------------------------------------------------
    her2pos = cls == POS
    bios = g.coin("biosimilar_share", n)
    wide, narrow = _biosimilars(kb)
    pick = np.where(
        rng.random(n) < g.p("breast_only_biosimilar_share"),
        narrow[rng.integers(0, len(narrow), n)],
        wide[rng.integers(0, len(wide), n)],
    )
    tras_drug = np.where(bios, pick, REFERENCE_TRASTUZUMAB)
    early_pos = her2pos & ~metastatic & breast
    met_pos = her2pos & metastatic & ~g.coin("her2_metastatic_untreated", n)
    year = int(g.p("adjuvant_weeks") * 7)
    start = np.where(metastatic, met_day + 20, diag + 30)
    short = g.coin("adjuvant_short", n)
    long_ = ~short & g.coin("adjuvant_long", n)
    tox = g.coin("stop_for_toxicity", n)
    length = np.where(short, rng.integers(90, year - 30, n), year)
    length = np.where(long_, rng.integers(year + 40, year + 150, n), length)
    length = np.where(tox, rng.integers(60, 200, n), length)
    end = start + length
    reason = np.where(
        tox,
        np.where(rng.random(n) < 0.6, "cardiotoxicity", "toxicity"),
        np.where(
            short & ~g.coin("short_with_reason", n),
            "",
            np.where(short, "patient_choice", "completed"),
        ),
    )
    tras_setting = np.where(setting == 1, "neoadjuvant", "adjuvant")
    on_tras = early_pos | met_pos
    for st in ("adjuvant", "neoadjuvant"):
        w = everyone[early_pos & (tras_setting == st)]
        g.course(ids, w, tras_drug[w], st, start[w], end[w], reason[w])
    w = everyone[met_pos]
    m_end = np.where(progressed[w] & ~tox[w], prog_day[w], np.where(tox[w], end[w], -1))
    m_reason = np.where(tox[w], reason[w], np.where(progressed[w], "progression", ""))
    g.course(ids, w, tras_drug[w], "metastatic", start[w], m_end, m_reason)
    w = everyone[met_pos & breast]
    g.course(
        ids,
        w,
        np.full(len(w), "perjeta"),
        "metastatic",
        start[w],
        m_end[breast[met_pos]],
        m_reason[breast[met_pos]],
    )
    g.course(
        ids,
        w,
        np.full(len(w), "docetaxel"),
        "metastatic",
        start[w],
        start[w] + 126,
        np.full(len(w), "completed"),
        False,
    )
    w = everyone[met_pos & gastric]
    g.course(
        ids,
        w,
        np.full(len(w), "cisplatin"),
        "metastatic",
        start[w],
        start[w] + 126,
        np.full(len(w), "completed"),
        False,
    )
    w = everyone[met_pos & progressed & breast]
    g.course(
        ids,
        w,
        np.full(len(w), "enhertu"),
        "metastatic",
        prog_day[w] + 20,
        np.full(len(w), -1),
        np.full(len(w), ""),
    )
    for st in ("adjuvant", "neoadjuvant"):
        w = everyone[early_pos & (tras_setting == st)]
        k = len(w)
        g.course(
            ids,
            w,
            np.full(k, "paclitaxel"),
            st,
            start[w],
            start[w] + 84,
            np.full(k, "completed"),
            False,
        )
    w = everyone[early_pos & residual & g.coin("residual_tdm1", n)]
    g.course(
        ids,
        w,
        np.full(len(w), "kadcyla"),
        "adjuvant",
        diag[w] + 200,
        diag[w] + 200 + 294,
        np.full(len(w), "completed"),
    )

    # HER2-low / -ultralow metastatic breast cancer
    low_met = metastatic & breast & ((cls2 == LOW) | (cls2 == ULTRALOW))
    hr_pos = (er == 0) | (pr == 0)
    w = everyone[low_met & g.coin("low_metastatic_chemo", n)]
    g.course(
        ids,
        w,
        np.full(len(w), "capecitabine"),
        "metastatic",
        met_day[w] + 15,
        met_day[w] + 180,
        np.full(len(w), "progression"),
        False,
    )
    w = everyone[low_met & hr_pos & g.coin("hr_metastatic_endocrine", n)]
    g.course(
        ids,
        w,
        np.full(len(w), "letrozole"),
        "metastatic",
        met_day[w] + 10,
        np.full(len(w), -1),
        np.full(len(w), ""),
        False,
    )
    w = everyone[low_met & g.coin("low_tdxd", n)]
    g.course(
        ids,
        w,
        np.full(len(w), "enhertu"),
        "metastatic",
        met_day[w] + 200,
        np.full(len(w), -1),
        np.full(len(w), ""),
    )

    # -- LVEF readings for trastuzumab courses ------------------------------------------
    tr = everyone[on_tras]
    t_start = start[tr]
    stop = np.minimum(np.where(metastatic[tr], g.as_of, end[tr]), g.as_of)
    interval = int(g.p("lvef_interval_days"))
    k = np.maximum((stop - t_start) // interval + 1, 1)
    base = np.round(rng.normal(g.p("lvef_baseline_mean"), g.p("lvef_baseline_sd"), len(tr)), 0)
    base = np.clip(base, 45, 75)
    has_base = g.coin("lvef_baseline", len(tr))
    decline = g.coin("lvef_decline", len(tr))
    recover = g.coin("lvef_recovery", len(tr))
    drop_at = rng.integers(1, 4, len(tr))
    drop = np.clip(np.round(rng.normal(g.p("lvef_decline_mean"), 4, len(tr))), 6, 30)
    rep = np.repeat(np.arange(len(tr)), k + 1)
    off = np.arange((k + 1).sum()) - np.repeat(np.cumsum(k + 1) - (k + 1), k + 1)
    day = np.where(
        off == 0, t_start[rep] - rng.integers(1, 21, len(rep)), t_start[rep] + off * interval
    )
    value = base[rep] + rng.integers(-2, 3, len(rep))
    declined = decline[rep] & (off >= drop_at[rep])
    recovered = recover[rep] & (off >= drop_at[rep] + 1)
    value = np.where(declined & ~recovered, value - drop[rep], value)
    keep = np.where(off == 0, has_base[rep], ~g.coin("lvef_missed_reading", len(rep)))
    keep &= day <= g.as_of
    g.lvef.add(
        patient_id=ids.take(pa.array(tr[rep][keep])),
        reading_date=_dates(day[keep]),
        lvef_percent=pa.array(value[keep].astype(np.float64)),
        lln_percent=pa.array(np.full(int(keep.sum()), 50.0)),
        method=pa.array(np.where(rng.random(int(keep.sum())) < 0.85, "echo", "muga").tolist()),
    )
    decline_day = np.full(n, -1)
    decline_day[tr] = np.where(
        decline & ~g.coin("dose_through_decline", len(tr)), t_start + drop_at * interval, -1
    )

    # -- pregnancy tests ------------------------------------------------------------------
    young = female & (age < g.p("pregnancy_age_limit")) & on_tras
    w = everyone[young]
    g.preg.add(
        patient_id=ids.take(pa.array(w)),
        test_date=_dates(start[w] - 7),
        result=pa.array(["negative"] * len(w)),
    )
    pregnant = young & g.coin("pregnancy_positive", n)
    preg_day = np.full(n, -1)
    preg_day[pregnant] = start[pregnant] + rng.integers(30, 200, int(pregnant.sum()))
    preg_day = np.where(preg_day > g.as_of, -1, preg_day)
    w = everyone[preg_day > 0]
    g.preg.add(
        patient_id=ids.take(pa.array(w)),
        test_date=_dates(preg_day[w]),
        result=pa.array(["positive"] * len(w)),
    )
    stop_in_preg = ~g.coin("doses_in_pregnancy", n)

    # -- doses: holds after LVEF declines and stops in pregnancy ------------------------------
    hold = int(g.p("hold_days"))
    drops: list[np.ndarray] = []
    for _, _, day_a, who_a in g.pending_admins:
        dd = decline_day[who_a]
        pd = preg_day[who_a]
        d = (dd > 0) & (day_a >= dd) & (day_a < dd + hold)
        d |= (pd > 0) & stop_in_preg[who_a] & (day_a >= pd)
        drops.append(d)
    g.flush_admins(np.concatenate(drops) if drops else None)

    return {
        "patients": patients_t,
        "her2_results": g.her2.table("her2_results"),
        "lvef_readings": g.lvef.table("lvef_readings"),
        "therapies": g.therapies.table("therapies"),
        "administrations": g.admins.table("administrations"),
        "pregnancy_tests": g.preg.table("pregnancy_tests"),
        "events": g.events.table("events"),
    }
