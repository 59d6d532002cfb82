"""Pre-visit interview (预问诊): a resumable multi-turn state machine over the triage engine."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from osteon.triage.engine import TriageResult, decide
from osteon.triage.extract import Extraction, Finding, extract
from osteon.triage.knowledge import load_knowledge
from osteon.triage.normalize import normalize
from osteon.triage.rules import Facts, RuleContext

STATE_VERSION = 1
YES, NO, UNKNOWN = "yes", "no", "unknown"
_YESNO_OPTIONS = [
    {"value": "有", "label_zh": "有", "label_en": "Yes"},
    {"value": "没有", "label_zh": "没有", "label_en": "No"},
    {"value": "不知道", "label_zh": "不知道", "label_en": "Not sure"},
]
_MAX_REASKS = 1  # after one unanswered re-ask, record "unknown" and move on rather than trap an elderly user


@dataclass
class TurnResult:
    """What the interview says back after one patient turn."""

    message: dict[str, str]
    question: dict[str, Any] | None
    done: bool
    urgency: str
    department: str
    red_flags: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the API/H5 page."""
        return self.__dict__.copy()


def classify_answer(text: str) -> str | None:
    """Classify a yes/no reply: 'yes', 'no', 'unknown', or None if it does not answer the question."""
    kn = load_knowledge()
    t = normalize(text, numerals=False).strip(" ,.，。!！?？~～")
    if not t:
        return None
    for cue in kn.cues["unknown"]:
        if normalize(cue, numerals=False) in t:
            return UNKNOWN
    no = sorted((normalize(c, numerals=False) for c in kn.cues["answer_no"]), key=len, reverse=True)
    yes = sorted((normalize(c, numerals=False) for c in kn.cues["answer_yes"]), key=len, reverse=True)

    def starts(cues: list[str]) -> bool:
        """True if the reply starts with one of the cues (word-bounded for English)."""
        for c in cues:
            if c.isascii():
                if re.match(rf"{re.escape(c)}(?![a-z])", t):
                    return True
            elif t.startswith(c):
                return True
        return False

    if t in no or starts(no):
        return NO
    if t in yes or starts(yes):
        return YES
    ex = extract(text)
    if ex.findings and all(f.negated for f in ex.findings if f.kind not in ("person",)):
        return NO  # "没有发烧" answers the fever question with no
    return None


class Interview:
    """Multi-turn pre-visit interview. All state lives in a JSON-serialisable dict (see to_state)."""

    def __init__(self, state: dict[str, Any]) -> None:
        """Wrap an existing state dict (use Interview.start or Interview.from_state)."""
        self.state = state
        self._result: TriageResult | None = None

    # ------------------------------------------------------------------ construction / persistence
    @classmethod
    def start(
        cls,
        complaint: str | None = None,
        *,
        age: float | None = None,
        sex: str | None = None,
        lang: str = "zh",
        max_questions: int | None = None,
    ) -> Interview:
        """Begin an interview, optionally with the chief complaint already typed by the patient."""
        kn = load_knowledge()
        state: dict[str, Any] = {
            "version": STATE_VERSION,
            "lang": lang,
            "age": age,
            "sex": sex,
            "max_questions": int(max_questions or kn.interview.get("max_questions", 10)),
            "utterances": [],
            "findings": [],
            "facts": {},
            "fact_refs": {},
            "answers": {},
            "slots": {},
            "asked": [],
            "pending": None,
            "reasks": 0,
            "done": False,
            "stop_reason": None,
        }
        iv = cls(state)
        if complaint and complaint.strip():
            iv.state["pending"] = "chief"
            iv.state["asked"].append("chief")
            iv.answer(complaint)
        else:
            iv._advance()
        return iv

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Interview:
        """Resume from a persisted state dict (a deep copy is taken)."""
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            raise ValueError("unsupported interview state version")
        return cls(copy.deepcopy(state))

    def to_state(self) -> dict[str, Any]:
        """Return the JSON-serialisable state (store it anywhere; resume with from_state)."""
        return copy.deepcopy(self.state)

    # ------------------------------------------------------------------ accessors
    @property
    def done(self) -> bool:
        """True once the interview has stopped (enough known, budget used, or an emergency)."""
        return bool(self.state["done"])

    @property
    def questions_asked(self) -> int:
        """Number of questions asked, not counting the opening 'what is wrong' prompt."""
        return len([q for q in self.state["asked"] if q != "chief"])

    def findings(self) -> list[Finding]:
        """All current findings (retracted ones are removed by corrections)."""
        return [Finding.from_dict(d) for d in self.state["findings"]]

    def facts(self) -> Facts:
        """Patient facts: caller-supplied age/sex win over what was said."""
        f = Facts(**{k: v for k, v in self.state["facts"].items() if k in Facts.__dataclass_fields__})
        if self.state.get("age") is not None:
            f.age, f.age_assumed = float(self.state["age"]), None
        if self.state.get("sex"):
            f.sex = self.state["sex"]
        return f

    def assessment(self) -> TriageResult:
        """Current triage result over everything said so far."""
        if self._result is None:
            # the safety net reads the opening complaint in the patient's words (what it was trained on), not the
            # short answers to screening questions
            chief = [u["text"] for u in self.state["utterances"] if u.get("qid") == "chief"]
            self._result = decide(self.findings(), self.facts(), texts=chief)
        return self._result

    def next_question(self) -> dict[str, Any] | None:
        """The question waiting for an answer, or None when the interview is done."""
        qid = self.state["pending"]
        return None if qid is None else self._render(qid)

    # ------------------------------------------------------------------ the turn
    def answer(self, text: str) -> TurnResult:
        """Take one patient reply (free text or a quick-reply value) and move the interview on."""
        text = (text or "").strip()
        idx = len(self.state["utterances"])
        qid = self.state["pending"]
        ex = extract(text, utterance=idx)
        kind = "answer"
        ack_zh, ack_en = "", ""
        if self._is_correction(ex) and self.state["findings"]:
            kind = "correction"
            self._apply_correction(ex, idx)
            ack_zh, ack_en = "好的，已为您更正。", "Thanks, corrected."
        self.state["utterances"].append({"i": idx, "text": text, "qid": qid, "kind": kind})
        if kind != "correction":
            self._absorb(ex, idx)
            if qid is not None:
                ack_zh, ack_en = self._answer_question(qid, text, ex, idx)
        self._result = None
        self._advance()
        res = self.assessment()
        if res.urgency == "emergency":
            msg = res.instruction
        elif self.done:
            msg = {
                "zh": f"问诊完成，谢谢您。{res.instruction['zh']}",
                "en": f"Thank you, we are done. {res.instruction['en']}",
            }
        else:
            msg = {"zh": ack_zh, "en": ack_en}
        return TurnResult(
            message=msg,
            question=self.next_question(),
            done=self.done,
            urgency=res.urgency,
            department=res.department,
            red_flags=res.red_flags,
        )

    # ------------------------------------------------------------------ internals
    def _is_correction(self, ex: Extraction) -> bool:
        """不对,是左边 / 说错了 / actually ... : a correction cue at the start followed by new content."""
        kn = load_knowledge()
        t = ex.normalized.strip()
        cue = next(
            (
                normalize(c, numerals=False)
                for c in kn.cues["correction"]
                if t.startswith(normalize(c, numerals=False))
            ),
            None,
        )
        if cue is None:
            return False
        return bool(
            ex.lateralities
            or ex.duration_days is not None
            or ex.age is not None
            or any(f.kind == "site" for f in ex.findings)
        )

    def _apply_correction(self, ex: Extraction, idx: int) -> None:
        """Overwrite what the correction changes: laterality, site, duration, age."""
        stored = self.state["findings"]
        denied_sites = {f.concept for f in ex.findings if f.kind == "site" and f.negated}
        new_sites = [f for f in ex.findings if f.kind == "site" and not f.negated]
        if denied_sites:
            # 不对,是膝盖不是脚踝: retract the denied site and move its symptoms to the new site
            target = new_sites[0] if new_sites else None
            kept = []
            for d in stored:
                if d["kind"] == "site" and d["concept"] in denied_sites:
                    continue
                if d.get("site") in denied_sites and target is not None:
                    d["site"], d["site_tags"] = target.concept, sorted(target.tags)
                kept.append(d)
            stored[:] = kept
        for f in ex.findings:
            if f.kind == "site" and f.negated:
                continue
            stored.append(f.to_dict())
        if ex.lateralities and not any(f.kind == "site" and f.laterality for f in ex.findings):
            lat = ex.lateralities[-1]
            for d in stored:
                if d["kind"] == "site" or d.get("site"):
                    d["laterality"] = lat
                    d["corrected_by"] = idx
        self._set_facts(ex, idx)

    def _absorb(self, ex: Extraction, idx: int) -> None:
        """Add an utterance's findings and facts; a bare 左边/右边 answer applies to the known sites."""
        for f in ex.findings:
            self.state["findings"].append(f.to_dict())
        has_site = any(f.kind == "site" for f in ex.findings)
        if ex.lateralities and not has_site:
            for d in self.state["findings"]:
                if d["kind"] == "site" and not d.get("laterality"):
                    d["laterality"] = ex.lateralities[-1]
        self._set_facts(ex, idx)

    def _set_facts(self, ex: Extraction, idx: int) -> None:
        """Record age/sex/duration/severity with the utterance they came from."""
        facts, refs = self.state["facts"], self.state["fact_refs"]
        pairs = {"age": ex.age, "sex": ex.sex, "duration_days": ex.duration_days, "severity": ex.severity}
        for key, value in pairs.items():
            if value is not None:
                facts[key], refs[key] = value, idx
        if ex.age is not None:
            facts["age_assumed"] = None
        elif ex.age_assumed and facts.get("age") is None:
            facts["age_assumed"], refs["age_assumed"] = ex.age_assumed, idx
        if ex.duration_text:
            facts["duration_text"] = ex.duration_text

    def _answer_question(self, qid: str, text: str, ex: Extraction, idx: int) -> tuple[str, str]:
        """Interpret the reply to the pending question; returns an acknowledgement."""
        q = self._question(qid)
        if q["kind"] == "yesno":
            verdict = classify_answer(text)
            if verdict is None and self.state["reasks"] < _MAX_REASKS:
                # an interruption ("要挂哪个科?") or new information: keep it, ask again
                self.state["reasks"] += 1
                return (
                    "我先记下了。麻烦再回答一下刚才的问题：",
                    "Noted. Could you answer the question above?",
                )
            verdict = verdict or UNKNOWN
            self.state["answers"][qid] = {"value": verdict, "utterance": idx}
            hedged = any(f.uncertain for f in ex.findings) or bool(re.search(r"好像|可能|maybe|might", text))
            specs = q.get("yes_findings") if verdict == YES else q.get("no_findings") if verdict == NO else []
            for spec in specs or []:
                self.state["findings"].append(
                    self._synthetic(spec, idx, negated=verdict == NO, uncertain=hedged).to_dict()
                )
        else:
            unknown = classify_answer(text) == UNKNOWN
            value = "不知道" if unknown else text
            self.state["answers"][qid] = {"value": UNKNOWN if unknown else "text", "utterance": idx}
            slot = q.get("fills", qid)
            if slot != "chief":
                self.state["slots"][slot] = {"value": value, "utterances": [idx]}
        self.state["pending"] = None
        self.state["reasks"] = 0
        return ("好的。", "OK.")

    def _synthetic(self, spec: str, idx: int, *, negated: bool, uncertain: bool) -> Finding:
        """A finding created by a yes/no answer (尿不出来? -> 有), traced to that answer."""
        kn = load_knowledge()
        cid, _, site = spec.partition("@")
        c = kn.concepts[cid]
        f = Finding(
            c.id,
            c.kind,
            c.std,
            f"[{c.std}]",
            0,
            0,
            c.tags,
            negated=negated,
            uncertain=uncertain,
            utterance=idx,
            source="answer",
        )
        if site:
            s = kn.concepts[site]
            f.site, f.site_tags = s.id, s.tags
        else:
            sites = [d for d in self.state["findings"] if d["kind"] == "site" and not d["negated"]]
            if sites:
                f.site, f.site_tags = sites[0]["concept"], frozenset(sites[0]["tags"])
        return f

    def _question(self, qid: str) -> dict[str, Any]:
        """Look a question up by id."""
        iv = load_knowledge().interview
        for q in (iv.get("red_flag_questions") or []) + (iv.get("history_questions") or []):
            if q["id"] == qid:
                return q
        raise KeyError(qid)

    def _render(self, qid: str) -> dict[str, Any]:
        """Question as sent to the client: text in the session language plus quick replies."""
        q = self._question(qid)
        lang = self.state.get("lang", "zh")
        if q["kind"] == "yesno":
            options = _YESNO_OPTIONS
        else:
            options = [
                {"value": o["zh"] if lang == "zh" else o["en"], "label_zh": o["zh"], "label_en": o["en"]}
                for o in q.get("options") or []
            ]
            options = options + [_YESNO_OPTIONS[2]] if qid != "chief" else options
        return {
            "id": qid,
            "kind": q["kind"],
            "text": q["zh"] if lang == "zh" else q["en"],
            "text_zh": q["zh"],
            "text_en": q["en"],
            "options": options,
            "red_flag": qid.startswith("rf_"),
            "number": self.questions_asked,
        }

    def _slot_known(self, slot: str, ctx: RuleContext, facts: Facts) -> bool:
        """A history slot is known if answered or if the patient's own words already cover it."""
        if slot in self.state["slots"]:
            return True
        pos = ctx.pos
        kinds = {f.kind for f in pos}
        checks = {
            "site": "site" in kinds,
            "duration": facts.duration_days is not None,
            "mechanism": "mechanism" in kinds
            or any((f.negated and f.kind == "mechanism") or "ctx.onset" in f.tags for f in self.findings()),
            "character": any(
                t in ctx.tags
                for t in (
                    "sym.pain",
                    "sym.numbness",
                    "sym.weakness",
                    "sym.swelling",
                    "sym.stiffness",
                    "sym.mass",
                )
            ),
            "severity": facts.severity is not None or "sev.severe" in ctx.tags,
            "radiation": any("sym.radiation" in f.tags for f in self.findings()),
            "neuro": any(
                t in f.tags and f.site != "site.saddle"
                for f in self.findings()
                for t in ("sym.numbness", "sym.weakness")
            ),
            "medications": any("ctx.medication" in f.tags for f in self.findings()),
            "past_history": any(
                t in f.tags
                for f in self.findings()
                for t in ("ctx.diabetes", "ctx.post_op", "ctx.past_history")
                if f.source != "answer"
            ),
            "allergies": any("ctx.allergy" in f.tags for f in self.findings()),
            "prior_treatment": any("ctx.treatment" in f.tags for f in self.findings()),
            "aggravating": any("ctx.modifying" in f.tags for f in self.findings()),
        }
        return checks.get(slot, False)

    def _rf_known(self, q: dict[str, Any]) -> bool:
        """Skip a red-flag question if the patient already said yes, or already denied everything it asks."""
        findings = [f for f in self.findings() if f.source != "answer"]

        def said(spec: str, *, negated: bool | None) -> bool:
            """True if a finding matches 'concept[@site]' (and the wanted polarity, if given)."""
            cid, _, site = spec.partition("@")
            return any(
                f.concept == cid
                and (not site or f.site == site or site in f.site_tags)
                and (negated is None or f.negated == negated)
                for f in findings
            )

        if any(said(s, negated=False) for s in q.get("yes_findings") or []):
            return True
        specs = q.get("no_findings") or []
        return bool(specs) and all(said(s, negated=None) for s in specs)

    def _advance(self) -> None:
        """Choose the next question (red-flag screening first, then history slots) or stop."""
        if self.state["done"] or self.state["pending"] is not None:
            return
        res = self.assessment()
        if res.urgency == "emergency":
            self._stop("emergency")
            return
        if self.questions_asked >= self.state["max_questions"]:
            self._stop("question_budget")
            return
        kn = load_knowledge()
        ctx = RuleContext(self.findings(), self.facts(), kn)
        facts = self.facts()
        asked = set(self.state["asked"])
        has_complaint = any(f.kind in ("site", "symptom", "condition", "nonortho") for f in ctx.pos)
        if not has_complaint and "chief" not in asked:
            self._ask("chief")
            return
        if not has_complaint:
            # nothing clinical understood even after the opening question: stop and hand over to a nurse
            self._stop("not_understood")
            return
        if res.department == "other" and all(f.kind != "site" for f in ctx.pos):
            self._stop("not_orthopaedic")
            return
        for q in kn.interview.get("red_flag_questions") or []:
            if q["id"] in asked or self._rf_known(q):
                continue
            if q["applies_rules"] and not any(ctx.clause(c) is not None for c in q["applies_rules"]):
                continue
            self._ask(q["id"])
            return
        for q in kn.interview.get("history_questions") or []:
            if q["id"] in asked or q["id"] == "chief":
                continue
            if q["applies_rules"] and not any(ctx.clause(c) is not None for c in q["applies_rules"]):
                continue
            if self._slot_known(q.get("fills", q["id"]), ctx, facts):
                continue
            self._ask(q["id"])
            return
        self._stop("enough_information")

    def _ask(self, qid: str) -> None:
        """Make qid the pending question."""
        self.state["pending"] = qid
        self.state["asked"].append(qid)

    def _stop(self, reason: str) -> None:
        """End the interview."""
        self.state["done"] = True
        self.state["pending"] = None
        self.state["stop_reason"] = reason

    def summary(self) -> Any:
        """Structured summary for the doctor (see osteon.triage.summary)."""
        from osteon.triage.summary import build_summary

        return build_summary(self)
