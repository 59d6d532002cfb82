"""Triage decision: department scores from weighted knowledge, deterministic red flags, urgency, instruction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from osteon.triage.department_net import blend, document, load_department_net
from osteon.triage.extract import Finding, extract
from osteon.triage.knowledge import Knowledge, load_knowledge
from osteon.triage.rules import (
    UNCERTAIN_WEIGHT,
    Facts,
    FlagHit,
    RuleContext,
    evaluate_rules,
    raise_urgency,
    rank,
)
from osteon.triage.safety_net import load_net
from osteon.triage.urgency_net import load_urgency_net

# what the patient and the nurse are told when only the safety net (not a red-flag rule) raised the emergency
NET_REASON = {
    "zh": "描述与需要急诊处理的情况相似（自动识别，请分诊护士复核）",
    "en": "the description resembles emergencies (automatic check: a triage nurse should confirm)",
}

# what the patient and the nurse are told when only the urgency model (not a rule) asked for a visit within 24–48 h
URGENCY_MODEL_REASON = {
    "zh": "描述与既往需要尽快就诊的病例相似（自动识别，请分诊护士复核）",
    "en": "the description resembles complaints that needed a visit within a day or two (automatic check: a triage "
    "nurse should confirm)",
}

# the rules keep their department when their best scores at least this many times the next (``_rules_are_sure``;
# held out on 1,344 blind non-emergencies, 2× kept the model's gain and 1.5× or 3× lost some, docs/triage.md)
RULES_MARGIN = 2.0
# the evidence line when the department model weighed in on the clinic (never on urgency)
DEPARTMENT_MODEL_REASON = {
    "zh": "科室参考了根据既往分诊病例训练的统计模型（只在规则已给出的科室中选择）",
    "en": "the clinic also weighs a statistical model trained on earlier triage cases (choosing only among the "
    "departments the rules found)",
}

__all__ = ["Facts", "FlagHit", "RuleContext", "TriageResult", "assess", "decide", "rank"]


@dataclass
class TriageResult:
    """The triage answer for one text or one interview state."""

    department: str
    urgency: str
    red_flags: list[str]
    alternatives: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    confidence: float
    instruction: dict[str, str]
    flag_details: list[FlagHit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    facts: Facts = field(default_factory=Facts)
    conditions: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable output used by the CLI and the API."""
        kn = load_knowledge()
        return {
            "department": self.department,
            "department_name": kn.departments[self.department],
            "urgency": self.urgency,
            "red_flags": self.red_flags,
            "red_flag_details": [h.to_dict() for h in self.flag_details],
            "alternatives": self.alternatives,
            "evidence": self.evidence,
            "confidence": round(self.confidence, 3),
            "instruction": self.instruction,
            "conditions": self.conditions,
            "facts": {
                "age": self.facts.age,
                "age_assumed": self.facts.age_assumed,
                "sex": self.facts.sex,
                "duration_days": self.facts.duration_days,
                "duration_text": self.facts.duration_text,
                "severity": self.facts.severity,
            },
            "findings": [f.to_dict() for f in self.findings],
        }


def decide(findings: list[Finding], facts: Facts | None = None, texts: list[str] | None = None) -> TriageResult:
    """Score departments, apply red-flag and urgency rules, and build the patient instruction.

    ``texts`` are the patient's own free-text words: when the rules stop short of an emergency, the statistical
    safety net (safety_net.py) reads them and may raise urgency to emergency, never lower it.
    """
    kn = load_knowledge()
    facts = facts or Facts()
    ctx = RuleContext(findings, facts, kn)

    scores: dict[str, float] = defaultdict(float)
    evidence: list[dict[str, Any]] = []
    for f in findings:
        mult = 0.0 if f.negated else (UNCERTAIN_WEIGHT if f.uncertain else 1.0)
        supports = {dept: w * mult for dept, w in _supports(f, kn).items()}
        evidence.append(
            {
                "text": f.text,
                "matched": f.concept,
                "std": f.std,
                "kind": f.kind,
                "negated": f.negated,
                "uncertain": f.uncertain,
                "laterality": f.laterality,
                "site": f.site,
                "dialect": f.dialect,
                "utterance": f.utterance,
                "supports": {k: round(v, 2) for k, v in supports.items() if v},
            }
        )
    for tag, mult in ctx.tags.items():
        for dept, w in kn.weights.get(tag, {}).items():
            scores[dept] += w * mult
    conditions: list[str] = []
    for rule in kn.conditions:
        because = ctx.rule(rule)
        if because is not None:
            conditions.append(rule.code)
            for dept, w in rule.weights.items():
                scores[dept] += w
            evidence.append(
                {
                    "rule": rule.code,
                    "type": "condition",
                    "zh": rule.zh,
                    "because": because,
                    "supports": rule.weights,
                }
            )

    hits = evaluate_rules(ctx, kn)
    for h in hits:
        evidence.append(
            {
                "rule": h.code,
                "type": "red_flag" if h.red_flag else "urgency",
                "zh": h.zh,
                "because": h.because,
                "urgency": h.urgency,
            }
        )

    # red flags and urgency rules can only RAISE urgency
    urgency = raise_urgency("routine", hits)
    red_flags = list(dict.fromkeys(h.code for h in hits if h.red_flag))
    net_raised = False
    # a complaint the rules place outside orthopedics (肾结石 + 尿是红的 → urology) is not the net's to judge: its
    # training emergencies are orthopedic stories, and it reads 尿/麻/烧 n-grams as cauda equina or infection
    # (no emergency the net alone caught in the written sets had "other" leading)
    ortho_best = max((s for d, s in scores.items() if d not in ("other", "emergency")), default=0.0)
    nonortho_lead = scores.get("other", 0.0) > 0 and scores.get("other", 0.0) >= ortho_best
    # nor a knock to the chest wall whose patient says they are not short of breath (Z, AA and AB each had one
    # raised: 撞/胸/喘 read as emergencies); a knock with breathlessness, or a high-energy one, is the rules' to raise
    chest_knock = (
        any(t in ctx.tags for t in ("site.chest", "site.rib"))
        and "mech.blow" in ctx.tags
        and not any(t in ctx.tags for t in ("mech.high_energy", "sym.breathless", "sym.chest_pressure"))
        and any(f.negated and f.tags & {"sym.breathless", "sym.chest_tightness", "sym.chest_pressure"} for f in findings)
    )
    # nor a story listed in red_flags.yaml safety_net_vetoes (an old fracture's follow-up, a pulled elbow, an
    # unchanged old deficit …)
    if (urgency != "emergency" and texts and not nonortho_lead and not chest_knock
            and not any(ctx.rule(v) is not None for v in kn.net_vetoes)):
        net = load_net().score(" ".join(texts))
        if net.raises:
            urgency, net_raised = "emergency", True
            evidence.append(
                {
                    "rule": "safety_net",
                    "type": "safety_net",
                    "zh": NET_REASON["zh"],
                    "because": [g for g, _ in net.ngrams],
                    "probability": round(net.probability, 3),
                    "threshold": net.threshold,
                    "ngrams": net.ngrams,
                    "urgency": "emergency",
                }
            )

    ranked = sorted(((d, s) for d, s in scores.items() if d != "emergency" and s > 0), key=lambda x: -x[1])
    ortho_total = sum(s for d, s in ranked if d != "other")
    if not ranked or (ortho_total < kn.min_score and scores.get("other", 0) <= 0):
        ranked = [("other", 0.0)] + [r for r in ranked if r[0] != "other"]
    best = ranked[0][0]
    if best != "other" and scores[best] < kn.min_score:
        best = "other"
    department = best
    flag_dept = next(
        (h.department for h in sorted(hits, key=lambda h: -rank(h.urgency)) if h.red_flag and h.department),
        None,
    )
    total = sum(max(s, 0) for _, s in ranked) or 1.0
    shares = {d: max(s, 0.0) / total for d, s in ranked}
    if urgency == "emergency":
        department = "emergency"
    elif flag_dept:
        department = flag_dept
    elif texts and any(s > 0 for _, s in ranked) and "age.child" not in ctx.tags and not _rules_are_sure(
        ranked, best, findings, conditions, kn
    ):
        # the department model chooses among the departments the rules gave something (department_net.py)
        probabilities = load_department_net().probabilities(document(" ".join(texts)))
        shares = blend(scores, probabilities, best)
        department = max(shares, key=shares.__getitem__)
        ranked = sorted(ranked, key=lambda x: -shares.get(x[0], 0.0))
        top = sorted(probabilities.items(), key=lambda x: -x[1])[:3]
        evidence.append(
            {
                "rule": "department_model",
                "type": "department_model",
                "zh": DEPARTMENT_MODEL_REASON["zh"],
                "en": DEPARTMENT_MODEL_REASON["en"],
                "because": [f"{kn.departments[d]['zh']} {p:.0%}" for d, p in top],
                "probabilities": {d: round(p, 3) for d, p in top},
                "rules_department": best,
                "department": department,
            }
        )

    # the urgency model (urgency_net.py) may raise to urgent a routine complaint in which something clinical was found:
    # a clinic the rules chose, or a complaint outside orthopedics they recognised — not a bare question ("骨科在几楼")
    model_urgent = False
    clinical = department != "other" or any(
        not f.negated and f.kind in ("symptom", "condition", "nonortho") for f in findings
    )
    if urgency == "routine" and texts and clinical and any(f.kind != "person" for f in findings):
        judged = load_urgency_net().score(" ".join(texts))
        if judged.raises:
            urgency, model_urgent = "urgent", True
            evidence.append(
                {
                    "rule": "urgency_model",
                    "type": "urgency_model",
                    "zh": URGENCY_MODEL_REASON["zh"],
                    "because": [f"{judged.probability:.0%}"],
                    "probability": round(judged.probability, 3),
                    "threshold": judged.threshold,
                    "urgency": "urgent",
                }
            )

    order = [department] + [d for d, _ in ranked if d != department]
    alternatives = []
    for d in order[:3]:
        share = 1.0 if d == "emergency" else shares.get(d, 0.0)
        alternatives.append({"department": d, "score": round(share, 3), "name": kn.departments[d]})

    confidence = net.probability if net_raised else _confidence(ranked, findings, urgency, department)
    instruction = _instruction(department, urgency, hits, findings, kn, net_raised, model_urgent)
    return TriageResult(
        department=department,
        urgency=urgency,
        red_flags=red_flags,
        alternatives=alternatives,
        evidence=evidence,
        confidence=confidence,
        instruction=instruction,
        flag_details=hits,
        findings=findings,
        facts=facts,
        conditions=conditions,
        scores={k: round(v, 2) for k, v in scores.items()},
    )


def _rules_are_sure(
    ranked: list[tuple[str, float]], best: str, findings: list[Finding], conditions: list[str], kn: Knowledge
) -> bool:
    """True when the department is the rules' to keep, without the department model's opinion:
    - their best scores at least ``RULES_MARGIN`` × the next (one clear clinical picture);
    - the patient named a diagnosis whose department is that one ("my dad has ankylosing spondylitis …");
    - a condition rule that corrects a look-alike chose it (its weights also take from another department: a limb
      asleep from sitting that came back is neurology's, not the spine's; a foot drop with no back pain).
    """
    positive = [s for d, s in ranked if s > 0]
    if len(positive) == 1 or (len(positive) > 1 and positive[0] >= RULES_MARGIN * positive[1]):
        return True
    for f in findings:
        if f.kind == "condition" and not f.negated:
            supports = _supports(f, kn)
            if supports and max(supports, key=supports.__getitem__) == best:
                return True
    return any(
        min(rule.weights.values()) < 0 and max(rule.weights, key=rule.weights.__getitem__) == best
        for rule in kn.conditions
        if rule.code in conditions
    )


def _supports(f: Finding, kn: Knowledge) -> dict[str, float]:
    """The department weights of a finding's tags (knowledge.yaml), before negation or uncertainty."""
    supports: dict[str, float] = defaultdict(float)
    for t in f.tags:
        for dept, w in kn.weights.get(t, {}).items():
            supports[dept] += w
    return supports


def _confidence(
    ranked: list[tuple[str, float]], findings: list[Finding], urgency: str, department: str
) -> float:
    """Heuristic confidence: high for rule-driven emergencies, low when little was understood."""
    if urgency == "emergency":
        return 0.95
    clinical = [f for f in findings if f.kind not in ("person",)]
    if not clinical:
        return 0.05
    top = ranked[0][1] if ranked else 0.0
    if department == "other" and top <= 0:
        return 0.1
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    margin = (top - second) / top if top > 0 else 0.0
    return max(0.05, min(0.99, 0.3 + 0.4 * margin + 0.3 * min(1.0, top / 10)))


def _instruction(
    department: str, urgency: str, hits: list[FlagHit], findings: list[Finding], kn: Knowledge,
    net_raised: bool = False, model_urgent: bool = False,
) -> dict[str, str]:
    """Plain-language next step for the patient in zh-CN and English."""
    name = kn.departments[department]
    reasons_zh = "、".join(dict.fromkeys(h.zh for h in hits if h.urgency == urgency)) if hits else ""
    reasons_en = "; ".join(dict.fromkeys(h.en for h in hits if h.urgency == urgency)) if hits else ""
    if net_raised:
        reasons_zh, reasons_en = NET_REASON["zh"], NET_REASON["en"]
    if model_urgent:
        reasons_zh, reasons_en = URGENCY_MODEL_REASON["zh"], URGENCY_MODEL_REASON["en"]
    if urgency == "emergency":
        return {
            "zh": f"请立即到急诊就诊（情况危急请拨打120），不要等待普通门诊。原因：{reasons_zh}。",
            "en": f"Go to the emergency department now (call 120 if it is serious). Reason: {reasons_en}.",
        }
    if department == "other":
        clinic = next(
            (
                kn.concepts[f.concept].clinic
                for f in findings
                if not f.negated and kn.concepts[f.concept].clinic
            ),
            None,
        )
        if clinic:
            return {
                "zh": f"您描述的情况不像骨科问题，建议挂{clinic['zh']}。",
                "en": f"This does not sound orthopaedic; please see {clinic['en']}.",
            }
        return {
            "zh": "没能判断出骨科问题。请换种说法描述哪里不舒服、多久了，或直接咨询分诊台护士。",
            "en": "We could not identify an orthopaedic problem. Please describe where it hurts and for how "
            "long, or ask the triage nurse.",
        }
    if urgency == "urgent":
        return {
            "zh": f"建议24–48小时内（今天或明天）尽快就诊{name['zh']}（{reasons_zh}）；如症状加重请立即到急诊。",
            "en": f"Please see {name['en']} within 24-48 hours ({reasons_en}); go to the emergency department "
            "if it gets worse.",
        }
    return {
        "zh": f"建议挂{name['zh']}普通门诊。如出现大小便异常、发烧、肢体发凉发紫或无力加重，请立即到急诊。",
        "en": f"Book a routine {name['en']} clinic. Go to the emergency department if you develop bladder or "
        "bowel problems, fever, a cold/purple limb or worsening weakness.",
    }


def assess(text: str, age: float | None = None, sex: str | None = None) -> TriageResult:
    """Triage one free-text complaint (any dialect or English); age/sex override what the text says."""
    ex = extract(text)
    facts = Facts.from_extractions([ex])
    if age is not None:
        facts.age, facts.age_assumed = float(age), None
    if sex in ("male", "female"):
        facts.sex = sex
    return decide(ex.findings, facts, texts=[text])
