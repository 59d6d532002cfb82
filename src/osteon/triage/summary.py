"""Structured pre-visit summary (主诉, 现病史, positives, negatives, red flags) with utterance traces."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from osteon.triage.extract import Finding
from osteon.triage.knowledge import load_knowledge

if TYPE_CHECKING:
    from osteon.triage.interview import Interview

URGENCY_ZH = {"emergency": "急诊(立即)", "urgent": "尽快(24–48小时内)", "routine": "普通门诊"}
_SYMPTOM_SHORT = [  # (tag, short term used in 主诉/现病史), first match wins
    ("sym.pain", "痛"),
    ("sym.numbness", "麻木"),
    ("sym.weakness", "无力"),
    ("sym.swelling", "肿胀"),
    ("sym.stiffness", "僵硬"),
    ("sym.mass", "肿物"),
    ("sym.function_loss", "活动受限"),
    ("sym.limp", "跛行"),
    ("sym.deformity", "畸形"),
    ("sym.instability", "不稳"),
    ("sym.locking", "交锁"),
    ("sym.bruise", "瘀斑"),
]
_SITE_SHORT = {
    "site.low_back": "腰",
    "site.neck": "颈",
    "site.upper_back": "背",
    "site.knee": "膝",
    "site.shoulder": "肩",
    "site.hip": "髋",
    "site.ankle": "踝",
    "site.heel": "足跟",
    "site.wrist": "腕",
    "site.elbow": "肘",
    "site.leg": "下肢",
    "site.arm": "上肢",
    "site.foot": "足",
    "site.hand": "手",
    "site.finger": "手指",
    "site.thumb": "拇指",
    "site.toe": "足趾",
    "site.big_toe": "拇趾",
    "site.calf": "小腿",
    "site.thigh": "大腿",
    "site.buttock": "臀",
    "site.coccyx": "尾骶",
    "site.chest": "胸",
    "site.rib": "肋",
    "site.head": "头",
}
_LAT_ZH = {"left": "左", "right": "右", "bilateral": "双", "one_side": "单侧"}


@dataclass
class Sentence:
    """One summary sentence and the patient utterances (indices) it was built from."""

    text: str
    refs: list[int]
    quotes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"text": self.text, "refs": self.refs, "quotes": self.quotes}


@dataclass
class Summary:
    """The doctor-facing pre-visit summary; every sentence traces to patient utterances."""

    chief_complaint: Sentence
    hpi: list[Sentence]
    positives: list[Sentence]
    negatives: list[Sentence]
    red_flags_screened: list[Sentence]
    triage: list[Sentence]
    department: str
    urgency: str
    red_flags: list[str]
    utterances: list[dict[str, Any]]

    @property
    def hpi_text(self) -> str:
        """现病史 as one paragraph."""
        return "".join(s.text for s in self.hpi)

    def sentences(self) -> list[Sentence]:
        """Every sentence in the summary (for traceability checks)."""
        return [
            self.chief_complaint,
            *self.hpi,
            *self.positives,
            *self.negatives,
            *self.red_flags_screened,
            *self.triage,
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON form attached to the appointment / encounter."""
        return {
            "chief_complaint": self.chief_complaint.to_dict(),
            "hpi": [s.to_dict() for s in self.hpi],
            "hpi_text": self.hpi_text,
            "positives": [s.to_dict() for s in self.positives],
            "negatives": [s.to_dict() for s in self.negatives],
            "red_flags_screened": [s.to_dict() for s in self.red_flags_screened],
            "triage": [s.to_dict() for s in self.triage],
            "department": self.department,
            "urgency": self.urgency,
            "red_flags": self.red_flags,
            "utterances": self.utterances,
        }


def _fmt_duration(days: float) -> str:
    """Medical-record style duration: 3天 / 2周 / 2月 / 半年 / 3年."""
    if days < 1:
        return "1天内" if days < 1 / 24 * 20 else "1天"
    if days < 14:
        return f"{round(days)}天"
    if days < 60:
        return f"{round(days / 7)}周"
    if 170 <= days <= 190:
        return "半年"
    if days < 365:
        return f"{round(days / 30)}月"
    return f"{round(days / 365)}年"


def _site_name(f: Finding) -> str:
    """Short site name with laterality (右膝, 双下肢)."""
    kn = load_knowledge()
    base = _SITE_SHORT.get(f.concept) or kn.concepts[f.concept].std.rstrip("部")
    return _LAT_ZH.get(f.laterality or "", "") + base


def _symptom_short(f: Finding) -> str:
    """Short symptom term."""
    for tag, short in _SYMPTOM_SHORT:
        if tag in f.tags:
            return short
    return load_knowledge().concepts[f.concept].std


def _quotes(iv: Interview, refs: list[int]) -> list[str]:
    """The patient's own words for the referenced utterances."""
    utt = iv.state["utterances"]
    return [utt[i]["text"] for i in refs if 0 <= i < len(utt)]


def _sent(iv: Interview, text: str, refs: list[Any]) -> Sentence:
    """Build a traced sentence; refs may be utterance indices or findings (their correction counts too)."""
    flat: set[int] = set()
    for r in refs:
        if isinstance(r, Finding):
            flat.add(r.utterance)
            if r.corrected_by is not None:
                flat.add(r.corrected_by)
        elif r is not None:
            flat.add(r)
    refs = sorted(r for r in flat if 0 <= r < len(iv.state["utterances"]))
    return Sentence(text, refs, _quotes(iv, refs))


def build_summary(iv: Interview) -> Summary:
    """Turn an interview into a structured, traceable summary."""
    kn = load_knowledge()
    res = iv.assessment()
    findings = iv.findings()
    facts = iv.facts()
    fact_refs = iv.state["fact_refs"]
    said = [f for f in findings if f.source != "answer" or f.utterance is not None]
    pos = [f for f in said if not f.negated and f.kind not in ("person",)]
    # relevant negatives are denied symptoms/events; a denied body site ("腰不疼") is expressed by its symptom
    neg = [f for f in said if f.negated and f.kind not in ("site", "person") and f.source not in ("family", "history", "feared", "dates", "hypothetical")]
    sites = [f for f in pos if f.kind == "site" and f.concept not in ("site.bone",)]
    main_site = sites[0] if sites else None
    symptoms = [f for f in pos if f.kind == "symptom"]
    main_sym = next((f for f in symptoms if main_site and f.site == main_site.concept), None) or (
        symptoms[0] if symptoms else None
    )

    # ---- 主诉: symptom + site + duration, <= 20 characters (病历书写基本规范)
    refs: list[Any] = []
    cc = ""
    if main_site:
        cc += _site_name(main_site)
        refs.append(main_site)
    if main_sym:
        cc += _symptom_short(main_sym)
        refs.append(main_sym)
    elif pos:
        cc += pos[0].std
        refs.append(pos[0])
    extra = ""
    rad = next((f for f in pos if "sym.radiation" in f.tags), None)
    if rad is not None:
        limb = (
            "下肢"
            if "site.lower_limb" in rad.site_tags or "site.leg_any" in rad.site_tags
            else ("上肢" if "site.upper_limb" in rad.site_tags else "")
        )
        lat = _LAT_ZH.get(rad.laterality or "", "")
        extra = f"伴{lat}{limb}放射痛" if limb else "伴放射痛"
        extra_ref = rad
    else:
        other = next(
            (
                f
                for f in symptoms
                if main_sym and _symptom_short(f) != _symptom_short(main_sym) and f.source != "answer"
            ),
            None,
        )
        if other is not None:
            extra = (
                "伴"
                + (
                    _site_name(kn_site(other))
                    if other.site and other.site != getattr(main_site, "concept", None)
                    else ""
                )
                + _symptom_short(other)
            )
            extra_ref = other
    dur = _fmt_duration(facts.duration_days) if facts.duration_days is not None else ""
    if len(cc + extra + dur) <= 20 and extra:
        cc += extra
        refs.append(extra_ref)
    if dur and len(cc + dur) <= 20:
        cc += dur
        refs.append(fact_refs.get("duration_days", 0))
    if not cc:
        first = iv.state["utterances"][0]["text"] if iv.state["utterances"] else ""
        cc, refs = first[:20], [0]
    chief = _sent(iv, cc[:20], refs)

    # ---- 现病史
    hpi: list[Sentence] = []
    if main_site or main_sym:
        mech = next((f for f in pos if f.kind == "mechanism"), None)
        parts = "患者"
        r: list[Any] = [x for x in (main_site, main_sym) if x is not None]
        if dur:
            parts += f"{dur}前"
            r.append(fact_refs.get("duration_days", 0))
        if mech is not None:
            parts += f"{mech.std}后"
            r.append(mech)
        parts += f"出现{_site_name(main_site) if main_site else ''}{_symptom_short(main_sym) if main_sym else '不适'}。"
        hpi.append(_sent(iv, parts, r))
    chars = [f for f in symptoms if f is not main_sym and f.source != "answer"]
    if chars:
        desc = "、".join(dict.fromkeys(f"{_site_name(kn_site(f)) if f.site else ''}{f.std}" for f in chars))
        hpi.append(_sent(iv, f"伴{desc}。", list(chars)))
    if facts.severity is not None:
        hpi.append(_sent(iv, f"疼痛评分{facts.severity}/10。", [fact_refs.get("severity", 0)]))
    elif any("sev.severe" in f.tags for f in pos):
        sv = [f for f in pos if "sev.severe" in f.tags]
        hpi.append(_sent(iv, f"症状较重（{'、'.join(dict.fromkeys(f.text for f in sv))}）。", list(sv)))
    slot_labels = [
        ("aggravating", "加重/缓解因素"),
        ("character", "性质"),
        ("prior_treatment", "既往诊治"),
        ("medications", "目前用药"),
        ("allergies", "过敏史"),
        ("past_history", "既往史"),
        ("mechanism", "起病方式"),
        ("site", "部位补充"),
        ("duration", "病程"),
    ]
    for slot, label in slot_labels:
        s = iv.state["slots"].get(slot)
        if s:
            hpi.append(_sent(iv, f"{label}：{s['value']}。", s["utterances"]))
    if neg:
        names = "、".join(dict.fromkeys(_neg_name(f) for f in neg))
        hpi.append(_sent(iv, f"否认{names}。", list(neg)))

    positives = [
        _sent(
            iv,
            f"{_site_name(kn_site(f)) if f.site and f.kind != 'site' else ''}{f.std}"
            f"{'(不确定)' if f.uncertain else ''}（患者原话：{f.text}）"
            if f.source != "answer"
            else f"{f.std}（问诊回答：是）",
            [f],
        )
        for f in pos
        if f.kind in ("site", "symptom", "mechanism", "condition", "context")
    ]
    negatives = [_sent(iv, f"无{_neg_name(f)}", [f]) for f in neg]
    screened = []
    for qid, ans in iv.state["answers"].items():
        if not qid.startswith("rf_"):
            continue
        q = iv._question(qid)
        value = {"yes": "有", "no": "无", "unknown": "不确定"}.get(ans["value"], ans["value"])
        screened.append(_sent(iv, f"{q['zh']} —— {value}", [ans["utterance"]]))
    ev_refs: list[Any] = list(pos) or [0]
    triage = [
        _sent(
            iv,
            f"分诊建议：{kn.departments[res.department]['zh']}；紧急程度：{URGENCY_ZH[res.urgency]}"
            # the urgency model, not a rule, asked for 24–48 h (urgency_net.py): the doctor sees which
            + ("（统计模型提示，请复核）" if any(e.get("type") == "urgency_model" for e in res.evidence) else "")
            + (
                f"；红旗征：{'、'.join(h.zh for h in res.flag_details if h.red_flag)}"
                if res.red_flags
                else ""
            )
            + "。",
            ev_refs,
        )
    ]
    return Summary(
        chief_complaint=chief,
        hpi=hpi,
        positives=positives,
        negatives=negatives,
        red_flags_screened=screened,
        triage=triage,
        department=res.department,
        urgency=res.urgency,
        red_flags=res.red_flags,
        utterances=iv.state["utterances"],
    )


def kn_site(f: Finding) -> Finding:
    """A pseudo-finding for the site a symptom is bound to (for naming)."""
    kn = load_knowledge()
    c = kn.concepts[f.site] if f.site else kn.concepts[f.concept]
    return Finding(c.id, c.kind, c.std, "", 0, 0, c.tags, laterality=f.laterality)


def _neg_name(f: Finding) -> str:
    """Name of a denied finding (否认发热, 否认下肢麻木)."""
    if f.site == "site.saddle" and "sym.numbness" in f.tags:
        return "鞍区麻木"
    std = load_knowledge().concepts[f.concept].std
    if f.kind == "symptom" and f.site and f.source != "answer" and "sym.fever" not in f.tags:
        return _site_name(kn_site(f)) + std
    return std
