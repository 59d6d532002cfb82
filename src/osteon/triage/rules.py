"""Deterministic rule evaluation: red flags and urgency rules from red_flags.yaml (they only RAISE urgency)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from osteon.triage.extract import Extraction, Finding
from osteon.triage.knowledge import URGENCIES, Clause, Knowledge, Rule

UNCERTAIN_WEIGHT = (
    0.6  # "好像/可能" findings count less for the department, fully for red flags (Dionne 2019)
)


@dataclass
class Facts:
    """Patient-level facts that are not findings: age, sex, duration, severity."""

    age: float | None = None
    age_assumed: str | None = None
    sex: str | None = None
    duration_days: float | None = None
    duration_text: str | None = None
    severity: int | None = None

    @classmethod
    def from_extractions(cls, exs: Iterable[Extraction]) -> Facts:
        """Merge facts from several utterances: the latest stated value wins (patients correct themselves)."""
        f = cls()
        for ex in exs:
            if ex.age is not None:
                f.age, f.age_assumed = ex.age, ex.age_assumed
            elif ex.age_assumed and f.age is None:
                f.age_assumed = ex.age_assumed
            f.sex = ex.sex or f.sex
            if ex.duration_days is not None:
                f.duration_days, f.duration_text = ex.duration_days, ex.duration_text
            if ex.severity is not None:
                f.severity = ex.severity
        return f


@dataclass
class FlagHit:
    """A red flag or urgency rule that fired, with the words that triggered it."""

    code: str
    urgency: str
    department: str | None
    zh: str
    en: str
    because: list[str]
    red_flag: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "code": self.code,
            "urgency": self.urgency,
            "department": self.department,
            "zh": self.zh,
            "en": self.en,
            "because": self.because,
            "red_flag": self.red_flag,
        }


class RuleContext:
    """Tag view of the findings used to evaluate rule clauses."""

    def __init__(self, findings: list[Finding], facts: Facts, knowledge: Knowledge) -> None:
        """Collect positive tags (with certainty multipliers) and add derived tags."""
        self.findings = findings
        self.pos = [f for f in findings if not f.negated]
        self.tags: dict[str, float] = {}
        self.src: dict[str, list[Finding]] = defaultdict(list)
        for f in self.pos:
            mult = UNCERTAIN_WEIGHT if f.uncertain else 1.0
            for t in sorted(f.tags):  # sorted: the order departments are scored in (and so ties) must not vary
                self.tags[t] = max(self.tags.get(t, 0.0), mult)
                self.src[t].append(f)
        for t in sorted(_derived_tags(self, facts, knowledge)):
            self.tags.setdefault(t, 1.0)

    def has(self, alt: str) -> bool:
        """True if a tag (or symptom@site pair) is present."""
        if "@" not in alt:
            return alt in self.tags
        sym, site = alt.split("@", 1)
        return any(sym in f.tags and (site in f.site_tags or site in f.tags) for f in self.pos)

    def words(self, alt: str) -> list[str]:
        """The patient words behind a tag, for evidence."""
        if "@" in alt:
            sym, site = alt.split("@", 1)
            return [f.text for f in self.pos if sym in f.tags and (site in f.site_tags or site in f.tags)]
        return [f.text for f in self.src.get(alt, [])] or [alt]

    def clause(self, c: Clause) -> list[str] | None:
        """Evaluate a clause; return the evidence words if it matches, else None."""
        because: list[str] = []
        for alts in c.all:
            hit = next((a for a in alts if self.has(a)), None)
            if hit is None:
                return None
            because.extend(self.words(hit))
        if any(self.has(t) for t in c.none):
            return None
        return list(dict.fromkeys(because))

    def rule(self, r: Rule) -> list[str] | None:
        """First matching clause's evidence, or None."""
        for c in r.any:
            got = self.clause(c)
            if got is not None:
                return got
        return None


_ONE_HAND = frozenset({"site.hand", "site.finger", "site.thumb"})
_DIGITS = frozenset({"site.finger", "site.thumb", "site.toe", "site.big_toe"})


def _derived_tags(ctx: RuleContext, facts: Facts, knowledge: Knowledge) -> set[str]:
    """Age, duration, acute-injury, laterality and 'ortho' tags computed from facts and findings."""
    out: set[str] = set()
    age = facts.age
    if age is not None:
        out.add("age.told")  # a number was given, not assumed from 老人 / 我妈 (round 54)
        if age < 1:
            out.add("age.infant")
        if age < 3 / 12:
            out.add("age.infant_3m")
        if age < 5 / 12:
            out.add("age.infant_4m")  # TEN-4-FACESp: any bruising in an infant under 4.99 months
        if age < 4:
            out.add("age.under4")
        if age < 1.5:
            out.add("age.non_ambulant")  # NICE CG89 uses < 18 months for unexplained fractures
        if 10 <= age < 20:
            out.add("age.adolescent")
        # 小儿骨科 sees children under 14 (Chinese paediatric age range 0-14)
        out.add("age.child" if age < 14 else "age.adult")
        if 14 <= age < 40:
            out.add("age.young")
        if age >= 50:
            out.add("age.older")
        if age >= 65:
            out.add("age.elderly")
    elif facts.age_assumed in ("child", "infant"):
        out.add("age.child")
        if facts.age_assumed == "infant":
            out |= {"age.infant", "age.under4", "age.non_ambulant"}
    elif facts.age_assumed == "older":
        out |= {"age.older", "age.elderly"}
    if facts.sex in ("male", "female"):
        out.add(f"sex.{facts.sex}")
    d = facts.duration_days
    if d is not None:
        out.add("dur.acute" if d <= 14 else "dur.chronic" if d >= 42 else "dur.subacute")
        if d > 3:
            out.add("dur.over_3d")
    # an injury counts as acute unless the patient says it is weeks old or this is a follow-up visit
    if (
        "mech.injury" in ctx.tags
        and not out & {"dur.chronic", "dur.subacute"}
        and not {"ctx.followup", "ctx.past_event"} & set(ctx.tags)
    ):
        out.add("injury.acute")
    # both feet numb or burning with diabetes, alcohol or chemotherapy, nothing in the back, the hands said fine or not
    # told clumsy: a peripheral neuropathy (its 踩棉花 is sensory ataxia, not a myelopathy: round 54)
    feet = [f for f in ctx.pos if f.tags & {"sym.numbness", "sym.stocking", "sym.burning"} and f.site_tags & {"site.foot_region"}]
    both_feet = any(f.kind == "site" and f.laterality == "bilateral" and "site.foot_region" in f.tags for f in ctx.pos)
    both = any(f.kind == "site" and f.laterality == "bilateral" for f in ctx.pos)
    if both:
        out.add("bilateral")
    # … also "both feet and my fingertips tingle" (the numbness bound to the fingertips said after the feet)
    if both_feet and any(f.tags & {"sym.numbness", "sym.burning"} for f in ctx.pos):
        feet = feet or [f for f in ctx.pos if "site.foot_region" in f.tags]
    if (feet and (both or "sym.stocking" in ctx.tags or "site.hands_feet" in ctx.tags)
            and ctx.tags.keys() & {"ctx.diabetes", "ctx.alcohol", "ctx.chemo", "cond.neuropathy"}
            and not ctx.tags.keys() & {"site.spine", "sym.clumsy_hands", "site.cervical"}):
        out.add("neuropathy.feet")
    # a young person's tight, wheezy chest on exercise or in the cold, relieved by a reliever inhaler, with no sweating and
    # nothing down the arm or into the jaw ("at practice when it's freezing she gets this tight chest, coughing and
    # wheezy … took her old albuterol inhaler and it settled in 5 min": round 80, FE) — exercise-induced asthma (BTS/SIGN
    # 158), not a coronary; an older patient's tight chest is raised whatever relieved it
    if ("ctx.inhaler" in ctx.tags and out & {"age.child", "age.adolescent", "age.young"}
            and not ctx.tags.keys() & {"sym.sweating", "site.jaw", "site.arm", "site.upper_limb"}):
        out.add("chest.asthma")
    # a flu's fever and aches with an old joint said not red or swollen and walked on as usual ("感冒发烧38度…膝盖也痛，
    # 可是膝盖没有红没有肿…走路跟平常差不多": round 82, FH) — the flu's aches, not a septic joint (a red, hot or swollen
    # joint, or one not walked on, is raised as before)
    if ("non.resp" in ctx.tags and "ctx.walks_normally" in ctx.tags
            and any(f.negated and f.tags & {"sym.red", "sym.swelling", "sym.warmth"} for f in ctx.findings)
            and not ctx.tags.keys() & {"sym.red", "sym.swelling", "sym.warmth", "sym.inflamed", "sym.red_swollen",
                                       "sym.cannot_walk", "sym.limp"}):
        out.add("flu.quiet_joint")
    # the hot joint aspirated at the hospital: crystals seen and the culture negative ("said crystals seen, gout, culture
    # no growth": round 80, FB) — gout, the septic question answered (NICE CKS "Gout"; a fever with a joint that was not
    # tapped, or a culture still pending, is raised as before)
    if {"cond.gout", "ctx.infection_excluded"} <= ctx.tags.keys():
        out.add("septic.excluded")
    # a fever told, then said to be over later in the text ("前几天发烧 … 今儿个不烧了"): the last word wins (round 55)
    fevers = [f for f in ctx.findings if "sym.fever" in f.tags]
    told = [f for f in fevers if not f.negated]
    # (a fever only wondered about after it was said to be over — "网路讲发烧关节痛可能是感染": round 76, EH — is no last
    # word: the last fever told plainly decides)
    fevers = [f for f in fevers if f.negated or not f.uncertain] or fevers
    # … or a normal temperature said after the last fever told (体温一直正常, 冒再烧, "发了两天烧，已经好了": round 68, CV–CX)
    settled = told and any("ctx.temp_normal" in f.tags and f.end > max(t.end for t in told) for f in ctx.findings)
    if told and (max(fevers, key=lambda f: f.start).negated or settled):
        out.add("fever.over")
        # … and nothing red, hot or swollen told at the joint (round 68: "感冒发烧…这一礼拜都没再烧。这两天波棱盖疼，
        # 上下楼梯嘎吱嘎吱响，不红不肿不热"): the fever's aches and an old knee, not a septic joint
        if not ctx.tags.keys() & {"sym.red", "sym.warmth", "sym.swelling", "sym.inflamed", "sym.red_swollen"}:
            out.add("fever.over_quiet_joint")
        # … or an injury told that swelled the joint ("上个礼拜发烧是扁桃体发炎…冒再烧。昨天踢足球把膝头扭了一下，有点肿")
        if (ctx.tags.keys() & {"mech.injury", "mech.sport", "mech.twist", "mech.fall"}
                and not ctx.tags.keys() & {"sym.red", "sym.warmth", "sym.pus"}):
            out.add("fever.over_injury")
        # … and the joint said not to be warm, nothing red (粤 "依家退咗烧 … 膝头哥痛咗好多年，有时肿少少，唔热嘅": round 67, CS):
        # a flu's fever that has gone beside an old arthritic knee is no septic joint
        if ((any(f.negated and "sym.warmth" in f.tags for f in ctx.findings) or "ctx.not_warm" in ctx.tags)
                and not ctx.tags.keys() & {"sym.warmth", "sym.red"}):
            out.add("fever.over_cool_joint")
    # the hot joint tapped and no infection found, the fever over (round 84, FP: "they took fluid from the knee and said no
    # infection, it was blood from ligament. Now no fever already 5 days") — the septic question answered
    if "ctx.infection_excluded" in ctx.tags and "fever.over" in out:
        out.add("septic.excluded")
    # every body part told is a finger, thumb or toe (a digit caught in a machine: round 53)
    sites = [f for f in ctx.pos if f.kind == "site"]
    if sites and all(f.concept in _DIGITS for f in sites):
        out.add("injury.digit_only")
    # a fracture told as a story that has healed ("胳膊摔断了，早就长好了": extract.py closes it as history, round 48)
    if any(f.negated and f.source == "history" and "cond.fracture" in f.tags for f in ctx.findings):
        out.add("fracture.healed")
    # a hand, its fingers and its thumb are one region ("hands … thumb to middle finger" is not three joints: round 47)
    joints = {
        "site.hand" if f.concept in _ONE_HAND else f.concept
        for f in ctx.pos
        if f.kind == "site"
        and f.tags
        & {"site.big_joint", "site.hand_region", "site.small_joints", "site.toe", "site.joints_multi"}
    }
    if len(joints) >= 3:
        out.add("polyarticular")  # three or more joint regions: think inflammatory arthritis
    # the patient says bladder and bowel are normal (屙尿正常, 大小便没问题) or work (小便解得出, 晓得急, "peeing fine":
    # round 45): the cauda equina screen was answered
    if (any(f.negated and f.tags & {"sym.sphincter", "sym.bladder_bowel_general"} for f in ctx.findings)
            or "ctx.bladder_ok" in ctx.tags) and not ctx.tags.keys() & {"sym.sphincter", "sym.bladder_bowel_general"}:
        out.add("denied.sphincter")
    # numbness of the saddle area from long rides on a bike, the bladder said normal and no back pain, weakness or sciatica
    # told ("骑久了会阴那边会麻麻的，下车走一走半小时就好了。小便都正常，也没有腰痛": round 80, FE) — the saddle's
    # pressure on the pudendal nerve, not a cauda equina; any bladder change or back pain keeps the rule
    if ("ctx.bike_seat" in ctx.tags and "denied.sphincter" in out
            and not ctx.tags.keys() & {"site.spine", "cond.disc", "sym.radiation", "sym.weakness", "sym.sphincter",
                                       "cond.back_strain"}):
        out.add("saddle.riding")
    # a fever, numbness or weakness the patient denies ("无发烧", "no fever", a normal reading; "脚无麻": round 42), with
    # none told elsewhere
    for sign in ("fever", "numbness", "weakness"):
        if any(f.negated and f"sym.{sign}" in f.tags for f in ctx.findings) and f"sym.{sign}" not in ctx.tags:
            out.add(f"denied.{sign}")
    # no numbness around the bottom (屁股周围不麻, "nothing numb down there"), with none told elsewhere
    saddle = {"sym.saddle_anaesthesia", "site.saddle"}
    if any(f.negated and f.tags & saddle for f in ctx.findings) and "sym.saddle_anaesthesia" not in ctx.tags:
        out.add("denied.saddle")
    # an injury the patient denies ("no injury", "没有受伤"), with no injury told elsewhere
    if any(f.negated and "mech.injury" in f.tags for f in ctx.findings) and "mech.injury" not in ctx.tags:
        out.add("denied.injury")
    # chest pain the patient brings on by pressing, with breathlessness or sweating denied: chest-wall pain (pain
    # reproduced by palpation, LR ≈ 0.2-0.3 for ACS — Swap & Nagurney, JAMA 2005), not the bare-chest-pain clause's
    if any(
        "sym.tender" in f.tags
        and ("site.chest" in ctx.tags or "site.rib" in ctx.tags)
        and f.site in (None, "site.chest", "site.rib", "site.arm", "site.shoulder", "site.bone", "site.torso")
        for f in ctx.pos
    ) and (
        "ctx.breathing_normal" in ctx.tags
        or any(f.negated and f.tags & {"sym.breathless", "sym.sweating"} for f in ctx.findings)
    ):
        out.add("chest.wall")
        # … brought on by lifting, a twist or sport, not a blow, fall or crush: a strained muscle, not a broken rib
        if (ctx.tags.keys() & {"mech.strain", "mech.lift", "mech.sport", "mech.twist", "mech.overuse"}
                and not ctx.tags.keys() & {"mech.blow", "mech.fall", "mech.high_energy", "mech.crush", "cond.fracture"}):
            out.add("chest.strain")
    # a chest pain that passed and was then checked at a hospital, found normal (round 83, FM: "跑完说胸口疼 喘不上气 歇了
    # 一会就好了 后来去医院做了心电图说正常"), with no sweating or pressing chest told
    if ("ctx.cardiac_cleared" in ctx.tags and "ctx.passed" in ctx.tags
            and not ctx.tags.keys() & {"sym.sweating", "sym.chest_pressure"}):
        out.add("chest.settled")
    # the hand or foot beyond an injury said to be fine (手指有感觉, 唔冻, 颜色正常; "toes warm and pink", "not numb"),
    # and no sign of trouble there told: the neurovascular check was answered (BOAST 2016)
    nv_signs = {"sym.numbness", "sym.cold", "sym.pale", "sym.cyanosis", "sym.ischaemia"}
    if (
        "ctx.distal_ok" in ctx.tags or any(f.negated and f.tags & nv_signs for f in ctx.findings)
    ) and not ctx.tags.keys() & nv_signs:
        out.add("limb.screened")
    # a limb pale and thin the day its cast came off, nothing cold, blue, numb or pulseless told ("I take off the cast
    # yesterday … the leg is very thin and white, the skin drop like snow": round 68, CY) — skin kept from the light
    if ("ctx.cast_off" in ctx.tags and "sym.pale" in ctx.tags
            and not ctx.tags.keys() & {"sym.cold", "sym.pulseless", "sym.cyanosis", "sym.numbness"}):
        out.add("pale.cast_off")
    # a lump told with no injury at all ("Got this lump on the back of me wrist, looks like a bone poking out, bit squishy":
    # round 69, DB) — a bony or soft lump, not a bone through the skin
    wounds = [f for f in ctx.pos if f.tags & {"sym.wound", "mech.cut"} and "sym.bone_exposed" not in f.tags]
    mechanisms = [f for f in ctx.pos if f.kind == "mechanism" or "mech.injury" in f.tags]
    if "sym.mass" in ctx.tags and not mechanisms and not wounds:
        out.add("lump.no_injury")
    # … or a bone "sticking out" with a wound plainly denied and no injury told (客家 "手指节一粒一粒骨头突出来 … 冇跌倒，
    # 冇伤口": round 80, FF — Heberden's nodes): a bony lump, not a bone through the skin. The wound itself denied, not
    # the bleeding ("bone thru the skin?? its not even bleeding that much" is an open fracture: BH)
    if ("sym.bone_exposed" in ctx.tags and not mechanisms and not wounds
            and any(f.negated and "sym.wound" in f.tags and "sym.bone_exposed" not in f.tags
                    and not any(w in f.text for w in ("血", "bleed", "blood")) for f in ctx.findings)):
        out.add("lump.no_injury")
    # purple after a twist, the numbness question answered no, nothing cold, pale or bent, and the patient walks on it
    # ("ankle was twisted … outside of ankle is swollen and purple color, but I can walk to bathroom … No numb": round 66,
    # CQ): the bruise of a sprain (the Ottawa rules' four steps), not a limb losing its blood supply
    # (round 73, DU: or a bruise told as such, and walking and running fine — "bruised my shin … its purple but i can walk
    # n run fine"; round 80, FG: or the toes said warm, moving and feeling normal — "the whole foot and toes went
    # purple-green-yellow … bruising travels down with gravity. Toes are warm, I can wiggle them")
    if (ctx.tags.keys() & {"mech.twist", "sym.bruise"} and "sym.cyanosis" in ctx.tags
            and (any(f.negated and "sym.numbness" in f.tags for f in ctx.findings)
                 or ctx.tags.keys() & {"ctx.walks_normally", "ctx.distal_ok"})
            and not ctx.tags.keys() & {"sym.numbness", "sym.cold", "sym.pale", "sym.pulseless",
                                       "sym.deformity", "sym.cannot_walk", "mech.high_energy", "mech.heavy_crush"}):
        out.add("bruise.sprain")
    # the BE-FAST questions answered: at least two of face, speech and strength said to be normal or denied, and no
    # stroke sign told ("手腳都有力, 講嘢清清楚楚, 塊面都冇歪"; round 42)
    stroke_signs = {"sym.facial_droop", "sym.slurred_speech", "sym.stroke_sign", "sym.weakness"}
    answered = sum((
        "ctx.speech_ok" in ctx.tags or any(f.negated and "sym.slurred_speech" in f.tags for f in ctx.findings),
        "ctx.strength_ok" in ctx.tags or any(f.negated and "sym.weakness" in f.tags for f in ctx.findings),
        any(f.negated and (f.tags & {"sym.facial_droop", "site.face"}) for f in ctx.findings),
    ))
    if answered >= 2 and not ctx.tags.keys() & stroke_signs:
        out.add("stroke.screened")
    # a facial palsy named (面瘫, "Bell's palsy"), no slurred speech or one-sided weakness told, and a stroke ruled out
    # ("CT说不是中风"), or both the speech and strength questions answered, or one of them with a clinician who saw it
    # ("GP said Bell's palsy, arms and legs fine": round 52) — not a patient's own guess with half the questions
    answers = ("ctx.strength_ok" in ctx.tags) + ("ctx.speech_ok" in ctx.tags)
    ruled_out = any(f.negated and "cond.stroke_named" in f.tags for f in ctx.findings)
    if "sym.facial_palsy" in ctx.tags and not ctx.tags.keys() & {"sym.slurred_speech", "sym.weakness", "site.hemibody"} and (
        ruled_out or answers == 2 or (answers == 1 and "ctx.clinician" in ctx.tags)
    ):
        out.add("stroke.excluded")
    # a droop the dentist's anaesthetic explains, speech or limbs said fine and nothing else of a stroke told ("just come
    # back from the dentist … side of her mouth is droopy … talking fine … arms and legs are fine": round 78, EO)
    if ("non.dental" in ctx.tags and answers
            and not ctx.tags.keys() & {"sym.slurred_speech", "sym.weakness", "site.hemibody", "sym.sudden"}):
        out.add("stroke.excluded")
    # an old stroke's droop said to be unchanged since ("that droop has been there since the 2019 stroke, it hasn't
    # changed … no new weakness": round 76, EI), nothing sudden or new told: the stroke is history, not today's
    if ({"cond.stroke_named", "ctx.unchanged", "ctx.past_event"} <= ctx.tags.keys()
            and not ctx.tags.keys() & {"sym.sudden", "sym.weakness", "ctx.recent_onset"}):
        out.add("stroke.excluded")
    # calf swelling and pain denied, none told (两条腿粗细一样, 小腿不疼; "both calves soft, equal and non-tender"): the clot
    # question after an operation was answered
    # (a positive sign counts only when said near the calf: "Calves … not tender. Mild ache at the wound" is the wound's)
    calf = {"site.calf", "site.leg", "site.leg_any"}
    calf_sites = [f for f in ctx.findings if f.kind == "site" and f.concept in calf]
    calf_signs = [f for f in ctx.findings if f.tags & {"sym.swelling", "sym.pain", "sym.tender"} and f.site in calf]
    near = [f for f in calf_signs if any(abs(f.start - s.end) <= 60 or abs(s.start - f.end) <= 60 for s in calf_sites)]
    # … or said normal or soft ("calf looks normal", "both calves soft": ctx.calf_ok, round 49)
    if (any(f.negated for f in near) or "ctx.calf_ok" in ctx.tags) and not any(not f.negated for f in near):
        out.add("denied.calf")
    # the heart questions answered: at least two of tightness, pressure, breathlessness and sweating denied, none told,
    # and no chest pain ("胸口不闷 不出汗 爬楼冇事"; round 45)
    cardiac = {"sym.chest_tightness", "sym.chest_pressure", "sym.breathless", "sym.sweating"}
    denied_cardiac = {t for f in ctx.findings if f.negated for t in f.tags & cardiac}
    if len(denied_cardiac) >= 2 and not ctx.tags.keys() & cardiac and not ctx.has("sym.pain@site.chest"):
        out.add("cardiac.screened")
    # heartburn: a burning chest with acid coming up (胸口烧得慌，往上反酸水), none of the heart's signs told and at least
    # one denied (breathlessness, sweating, tightness, arm pain: "手膀子不痛，走路不喘") — round 49 (BK); NICE CG184
    # dyspepsia. A burning chest without the reflux, or with any heart sign, stays the acute-coronary rule's
    arm_pain_denied = any(f.negated and "sym.pain" in f.tags and f.site in ("site.arm", "site.shoulder") for f in ctx.findings)
    # … or a young adult's pain below the breastbone that comes with belching and acid after a fatty meal (round 63, CF:
    # 二十五岁，心口窝底下拧着疼，吃完油大的更胀，老打嗝儿泛酸水), with no heart sign told
    young = facts.age is not None and 16 <= facts.age < 40
    if ((ctx.has("sym.burning@site.chest") or (young and ctx.has("sym.pain@site.chest"))) and "non.gi" in ctx.tags
            and not ctx.tags.keys() & cardiac and (denied_cardiac or arm_pain_denied or young)):
        out.add("chest.heartburn")
    # … or "chest pain" told with acid or burning coming up (non.gi) and both breathlessness and sweating denied, no arm
    # pain told (round 66, CQ: "chest pain … burning feeling come up to the throat, sour sour one, worse when he lie
    # down after makan … no pain go to arm, no sweating, no breathless"): DOMAIN.md's acute coronary sign is chest pain
    # WITH arm pain or breathlessness
    # (round 68, CV: "burning after I eat … goes up to the throat … sour taste … No pain in the arm, no problem to
    # breathe": the breathlessness question answered no, in words or as a denied sign, is enough with the reflux told)
    arm_pain = any("sym.pain" in f.tags and f.site in ("site.arm", "site.shoulder", "site.upper_limb") for f in ctx.pos)
    breathing_ok = "sym.breathless" in denied_cardiac or "ctx.breathing_normal" in ctx.tags
    if ("non.gi" in ctx.tags and breathing_ok
            and not ctx.tags.keys() & {"sym.breathless", "sym.sweating"} and not arm_pain):
        out.add("chest.heartburn")
    # a cancer told, but the pain away from the spine and said to be quiet at night (晚上睡觉不痛, "no night pain") or the
    # cancer a basal cell skin cancer, and no night pain, weight loss, growing lump or bone destruction told: the
    # malignancy question was answered (NICE NG12; round 59). Back pain with a cancer history stays suspicious (NG59).
    suspicious = {"sym.night_pain", "sym.weight_loss", "sym.mass_growing", "cond.bone_destruction", "site.spine"}
    night_denied = "ctx.night_ok" in ctx.tags or any(f.negated and "sym.night_pain" in f.tags for f in ctx.findings)
    # (a chemotherapy's numb, burning feet are the neuropathy's, not the cancer's bones: neuropathy.feet above)
    # … or a twist or a stumble of a limb in the last days explains the pain (round 67, CR, CS, CT: "breast cancer 5 years
    # ago, all clear. Yesterday I twisted my ankle stepping down from the bus", 乳腺癌十年…下楼梯踩空崴哒脚): a sprain
    # with a cancer history is the sprain's, unless the pain is in the spine or at night, or the bone is said destroyed
    # (round 72, DQ: an ankle sprain named, last week's — "上周打羽毛球扭了脚脖子"; a new shoe's rubbing on the heel)
    # (not a tumour an X-ray found: "the report mentions a non-ossifying fibroma")
    sprained = bool(
        (("mech.twist" in ctx.tags and "injury.acute" in out) or ctx.tags.keys() & {"cond.ankle_sprain", "ctx.shoe_cause"})
        and not ctx.tags.keys() & {"site.spine", "site.low_back", "cond.bone_tumor"}
    )
    if ("ctx.cancer" in ctx.tags and (night_denied or "ctx.bcc" in ctx.tags or "neuropathy.feet" in out or sprained)
            and not ctx.tags.keys() & suspicious):
        out.add("malignancy.screened")
    # every bruise told is on the shins or knees, where a walking child bruises by accident (Sugar 1999; Pierce
    # 2010, TEN-4-FACESp: the front of the lower legs is the commonest accidental site; a parent's 脚杆 is the shin)
    bruises = [f for f in ctx.pos if "sym.bruise" in f.tags]
    if bruises and all(f.site in ("site.calf", "site.knee", "site.leg") for f in bruises):
        out.add("bruise.shins")
    ortho = knowledge.orthopaedic
    for f in ctx.pos:
        if any(w > 0 and dept in ortho for t in f.tags for dept, w in knowledge.weights.get(t, {}).items()):
            out.add("ortho")
            break
    return out


def rank(urgency: str) -> int:
    """Urgency order: routine < urgent < emergency."""
    return URGENCIES.index(urgency)


def evaluate_rules(ctx: RuleContext, knowledge: Knowledge) -> list[FlagHit]:
    """Every red flag and urgency rule that fires, with the words that triggered it."""
    hits: list[FlagHit] = []
    for rule in knowledge.red_flags:
        because = ctx.rule(rule)
        if because is not None:
            hits.append(
                FlagHit(rule.code, rule.urgency or "urgent", rule.department, rule.zh, rule.en, because)
            )
    for rule in knowledge.urgency_rules:
        because = ctx.rule(rule)
        if because is not None:
            hits.append(
                FlagHit(
                    rule.code,
                    rule.urgency or "urgent",
                    rule.department,
                    rule.zh,
                    rule.en,
                    because,
                    red_flag=False,
                )
            )
    return hits


def raise_urgency(current: str, hits: list[FlagHit]) -> str:
    """Highest urgency among the current one and the rule hits; never lower than `current`."""
    for h in hits:
        if rank(h.urgency) > rank(current):
            current = h.urgency
    return current
