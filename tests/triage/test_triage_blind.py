"""Blind emergency batches (tests/triage/blind/, docs/triage.md "Blind emergency batches, 2026-11").

batch_a … batch_d were each measured blind and then used to generalise the lexicon/rules (round 4 used all
four for the component compositions in compose.yaml), so they now act as regression sets (no missed emergency).
batch_e was written after round 4 and held out; it was then used, with everything else, to train the statistical
safety net (safety_net.py), so it is a regression set too. batch_f was written blind by a new author (who saw only
DOMAIN.md) after the net was designed and trained, and is never used for training or tuning: it is the held-out
estimate (reported, not asserted as a target, so it stays honest); the test checks it is well-formed and that the
figures the docs quote are still what the engine gives, so a change that moves them forces a doc update (and, if
batch_f is then used for tuning, a fresh batch). Round 6 looked at F's misses (space as a clause break, metastatic
cord compression), so batch_g (2026-12-05, another blind author, 100 cases) is now the fresh estimate; its first
score was taken on the code before round 6 (docs/triage.md), and it is not in the net's training data either.
batch_h (a third blind author, voice-message style) was scored on the code after round 6, then used for round 7;
batch_i (a fourth, small-town WeChat style, 120 cases) on the code after round 7, then used for round 8;
batch_j (a fifth, 25 English cases from many backgrounds, 台湾国语, 粤, 闽南) after round 8, then round 9;
batch_k (triage-nurse phone notes) and batch_l (workers and farmers) on the code of round 10, then used for it;
batch_m (children and very old parents) and batch_n (after treatment, chronic illness) on the final round-10 code,
then used for round 11;
batch_o (a day of city chatbot messages, 35 English) and batch_p (a southern county hospital on market day) on
the round-11 code, then used for round 12; batch_q (a provincial hospital's evening, 30 English) on the final
round-12 code, then used for round 13; batch_r (family members and carers typing for someone else, 30 English) on
the final round-13 code, then used for round 14 — it is not in the net's training data; batch_s (long posts on an
online consultation platform, old history and negatives around one decisive detail, 30 English) on the round-14
code, then used for round 15 — not in the net's training data either; batch_t (an international clinic's triage form,
50 English from many Englishes) on the round-15 code, then used for round 16 — also held out from the net;
batch_u (voice input and messages typed for someone else, 40 English) on the round-16 code, then used for round 17
(English compositions in compose.yaml) — held out from the net as well; batch_v (a rural township clinic's WeChat
group and a follow-up phone line, 44 English) on the round-17 code, then used for round 18 (English compositions for
the other red flags, apostrophe-less contractions, a healed injury story is history) — held out from the net too.
batch_w (an after-hours nurse advice line and patient app, 46 English) on the round-18 code, then used for round 19
(Scots and dropped g's, same-side arm and leg, a vehicle on a limb, an episode closed in the next sentence) — held out.
batch_x (a registration desk's triage box and a rehab clinic's forwarded texts, 42 English) on the round-19 code,
then used for round 20 (Jamaican English, a tight chest with breathlessness, a joint that popped out, nurse
shorthand) — held out.
batch_y (a county hospital's mini-program and village doctors' teleconsultation forms, 41 English, mostly told
second-hand) on the round-20 code, then used for round 21 — held out.
batch_z (a factory clinic and a migrant workers' night hotline, messages from abroad, 46 English) on the round-21
code, and batch_aa (a sports club, a school nurse and a nursing home's night shift, 45 English) on the code after
the first half of round 22; both then used for round 22 — held out. batch_ab (a hospital's online booking form, a
farm cooperative's group chat and a children's ward family line, 45 English) on the round-22 code, then used for
round 23 — held out. batch_ac (a construction site's safety officer, a township doctor's WeChat, a campus clinic's
after-hours chat, grandchildren typing for grandparents, 45 English) on the round-23 code, then used for round 24 —
held out. batch_ad (long-distance truckers, a fishing village clinic, a ski resort's first-aid desk, a telehealth
night queue, 47 English) on the round-24 code, then used for round 25 — held out. batch_ae (a mountain county's
night phone line, a marathon tent, a martial-arts school, a dialysis group, an expat forum, 45 English) on the
round-25 code, then used for round 26 — held out. batch_af (a logging camp, a retirement village's alarm line, a rural
PE teacher, a kidney/oncology group, long bus and train journeys, 45 English) on the round-26 code, then used for
round 27 — held out. batch_ag (a ferry and port union line, a village elder-care group, a kindergarten, a climbing
gym, post-discharge calls after orthopedic surgery, 45 English; ids renamed bag… so they differ from batch_g's) on the
round-27 code, then used for round 28 — held out. batch_ah (an oil rig clinic, a tea plantation, a badminton club, a
dialysis centre, a bed-bound grandparent's family chat, 45 English; ids bah…) on the round-28 code, then used for
round 29 — held out. batch_ai (a coal mine's first-aid room, a women's health line, a university team's physio, an
oncology day unit, a toddler parents' WeChat group, 45 English) on the round-29 code, then used for round 30 — held out.
batch_aj (a toll station, an orchard at harvest, a dance school, a pharmacy counter, a rehab ward's night log, 45
English) was written after round 30 and scored once on the round-30 code, then used (with batch_ak) for round 31 — held
out. batch_ak (a kindergarten and school nurse's office, a dance studio, a taxi drivers' group chat, 45 English) on the
round-30 code, then used for round 31 — held out. batch_ao (a building-materials market, a nursing student's ward
notes, an overseas family's WhatsApp group, 45 English) on the round-31 code, then used for round 32 — held out.
batch_an (a county hospital's registration desk, a village doctor's phone, a university team's chat, 44 English) on
the round-32 code, then used for round 33 — held out. batch_al (an elderly care home, a square-dancing group, food
delivery riders' hotline) and batch_am (a fishing village clinic, a hospital car park and security desk, a hotel gym
and pool), 45 English each, were written before round 31, kept unread, scored once on the round-33 code as its
untuned estimate, then used for round 34 — held out. batch_ap (a highway service area's first-aid room, a family
doctor's follow-up list, a community centre's exercise class, 45 English) on the round-34 code, then used for round
35 — held out. batch_aq (a mountain rescue station, a cross-border clinic's chat, an international school's parents'
group, 45 English) was written after round 35 and scored once on its final code, then used in session 2026-12-06 (an
English safety net and the round-36 phrasings). batch_ar (a railway station's first-aid post, a county hospital's
Spring Festival night WeChat, an expat parents' group) and batch_as (a marathon's medical tents, a home-care nursing
team, an online second-opinion service), 45 English each, were written in that session and scored once on its final
code, then used for round 37 (urgent knee, Achilles and wrist injuries, a pathological fracture, a part "as usual",
a fever that is over, a sign asked about). batch_at and batch_au (an internet hospital's night triage box, elder-care
volunteers, a rugby club and hotel concierge; a steel mill and warehouse health office, school parents and a
children's phone line, international students), 45 English each, were written in that session and scored once on
its final code, then used for round 38 (a pathological fracture in 吴, a scaphoid, a pulled elbow told without its
name, "full recovery", "all normal … discharged", a diabetic wound without sepsis, 闽 烧烧 after a toe). batch_av (a
county hospital's self-service kiosk, a fishing township's WeChat group, a language school and a cruise terminal) and
batch_aw (grandchildren typing for grandparents, a mining town's clinic, a university's international office, a yoga
studio and a cycling club), 45 English and at least 35 decoys each, were written in that session and scored once on
its final code: they have not been used for any change.
batch_ax and batch_ay (a provincial remote-consultation intake, ride-hailing drivers, a boarding school, a crane crew; a
ski and ice-festival first-aid post, a textile night shift, a deaf association's text line, a village doctor's
teleconsultation form), written in session 2026-12-07 by two new authors, were scored once on the round-39 code and
then used for round 40. batch_az and batch_ba, written while round 40 was made, were scored once on its final code and
then used for round 41; batch_bb and batch_bc, written while round 41 was made, were scored once on its final code and
then used for round 42; batch_bd and batch_be, written while round 42 was made, were scored once on its final code and
then used for round 43; batch_bf and batch_bg, written while round 43 was made, were scored once on its final code and
then used for round 44; batch_bh and batch_bi, written while round 44 was made, were scored once on its final code and
then used for round 45; batch_bj and batch_bk, written while round 45 was made, were scored once on its final code; only
BJ's two misses were then fixed (round 46). Round 47 (departments) used the whole corpus's wrong departments;
batch_bl and batch_bm, written while it was made, were scored once on its final code, then used for round 48.
Round 49 used the corpus's false emergencies; batch_bn and batch_bo, written while it was made, were scored once on
its final code, then used for round 50. Round 51 used the corpus's wrong departments; batch_bp and batch_bq, written
while it was made, were scored once on its final code, then used for round 52. Round 53 used the corpus's false
emergencies; batch_br and batch_bs, written while it was made, were scored once on its final code, then used for round 54;
batch_bt and batch_bu, written while round 54 was made, were scored once on its final code, then used for round 55;
batch_bv and batch_bw, written while round 55 was made, were scored once on its final code, then used for round 56;
batch_bx and batch_by, written while round 56 was made, were scored once on its final code, then used for round 57
(their false emergencies only). Round 59 used the whole corpus; batch_bz and batch_ca, written while it was made, were
scored once on its final code, then used for round 60; batch_cb and batch_cc, written while round 60 was made, were
scored once on its final code, then used for round 61; batch_cd and batch_ce, written while round 61 was made, were
scored once on its final code, then used for round 62; batch_cf and batch_cg, written while round 62 was made, were
scored once on its final code, then used for round 63; batch_ch and batch_ci, written while round 63 was made, were
scored once on its final code, then used for round 64; batch_cj and batch_ck (session 2026-12-07, fourth) were
scored once on the code before it, batch_cl and batch_cm once on the retrained nets. In session 2026-12-07 (seventh)
batch_cr … batch_cu were scored once on the round-66 code, then used for round 67 and added to the training data;
batch_cv … batch_cy, written while round 67 was made, were scored once on its final code, then used for round 68 and
added to the training data; batch_cz … batch_dc, written while round 68 was made, on its final code, then used for
round 69 and added to the training data; batch_dd … batch_dg, written while round 69 was made, were scored once on its
final code, then used for round 70 and added to the training data; batch_dh … batch_dk, written while round 70 was
made, were scored once on its final code and added to the training data without a round; in session 2026-12-07
(eighth) batch_dl … batch_do were scored once on the code the session started from, then used for round 71 and added
to the training data; batch_dp … batch_ds, written while round 71 was made, were scored once on its final code, then
used for round 72 and added to the training data; batch_dt … batch_dw, written while round 72 was made, on its final
code, then used for round 73 and added to the training data; batch_dx … batch_ea, written while round 73 was made, on
its final code, then used for round 74 and added to the training data (docs/triage.md); in session 2026-12-07 (ninth)
batch_eb … batch_ee were scored once on the code the session started from (1043201), then used for round 75 and added to
the training data; batch_ef … batch_ei, written while round 75 was made, were scored once on its final code (nets
retrained on EB–EE), then used for round 76 and added to the training data; batch_ej … batch_em, written while round 76
was made, on its final code (nets retrained on EF–EI), then used for round 77 and added to the training data;
batch_en … batch_eq, written while round 77 was made, on its final code (nets retrained on EJ–EM), then used for round
78 and added to the training data; batch_er … batch_ey, two waves written while round 78 was made, both on its final
code (nets retrained on EN–EQ), then used for round 79 and added to the training data; in session 2026-12-08 (tenth)
batch_ez … batch_fc were scored once on the code the session started from (0cad68f), then used for round 80 and added to
the training data; batch_fd … batch_fg, written while round 80 was made, were scored once on its final code (nets
retrained on EZ–FC, the Chinese net's threshold taken over the texts it judges), then used for round 81 and added to the
training data; batch_fh … batch_fk, written while round 81 was made, were scored once on its final code, then used for
round 82 and added to the training data; in session 2026-12-08 (eleventh) batch_fl … batch_fo were scored once on the
code with the new urgency model (urgency_net.py) and, in the same minute, on the code the session started from (728bdf5),
then used for round 83 and added to the training data; batch_fp … batch_fs, written while round 83 was made, were scored
once on its final code, then used for round 84 and added to the training data; batch_ft … batch_fw the same way on the
round-84 code, then used for round 85; batch_fx … batch_ga the same way on the round-85 code, then added to the training
data without a round.
Until session 2026-12-07 (fourth) batch_r … batch_ci were kept out of the Chinese safety net and batch_ak … batch_ci
out of the English one, to measure them ("held out" in the comments below says how a batch was first scored); since
then every batch in this folder trains both nets once it has been scored (docs/triage.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from osteon.triage import engine
from osteon.triage.engine import assess
from osteon.triage.evaluate import evaluate, load_vignettes
from osteon.triage.knowledge import DEPARTMENTS, RED_FLAG_CODES
from osteon.triage.safety_net import load_net

BLIND = Path(__file__).parent / "blind"


@pytest.mark.parametrize(
    "name", ["batch_a", "batch_b", "batch_c", "batch_d", "batch_e", "batch_f", "batch_g", "batch_h", "batch_i", "batch_j", "batch_k",
             "batch_l", "batch_m", "batch_n", "batch_o", "batch_p", "batch_q", "batch_r", "batch_s", "batch_t",
             "batch_u", "batch_v", "batch_w", "batch_x", "batch_y", "batch_z", "batch_aa", "batch_ab", "batch_ac", "batch_ad", "batch_ae", "batch_af", "batch_ag", "batch_ah", "batch_ai", "batch_aj",
             "batch_ak", "batch_al", "batch_am", "batch_an", "batch_ao", "batch_ap", "batch_aq", "batch_ar", "batch_as",
             "batch_at", "batch_au", "batch_av", "batch_aw", "batch_ax", "batch_ay",
             "batch_az", "batch_ba", "batch_bb", "batch_bc", "batch_bd", "batch_be",
             "batch_bf", "batch_bg", "batch_bh", "batch_bi", "batch_bj", "batch_bk", "batch_bl", "batch_bm",
             "batch_bn", "batch_bo", "batch_bp", "batch_bq", "batch_br", "batch_bs",
             "batch_bt", "batch_bu", "batch_bv", "batch_bw", "batch_bx", "batch_by", "batch_bz", "batch_ca",
             "batch_cb", "batch_cc", "batch_cd", "batch_ce", "batch_cf", "batch_cg",
             "batch_ch", "batch_ci", "batch_cj", "batch_ck", "batch_cl", "batch_cm", "batch_cn", "batch_co",
             "batch_cp", "batch_cq", "batch_cr", "batch_cs", "batch_ct", "batch_cu", "batch_cv", "batch_cw",
             "batch_cx", "batch_cy", "batch_cz", "batch_da", "batch_db", "batch_dc", "batch_dd", "batch_de",
             "batch_df", "batch_dg", "batch_dh", "batch_di", "batch_dj", "batch_dk", "batch_dl", "batch_dm", "batch_dn",
             "batch_do", "batch_dp", "batch_dq", "batch_dr", "batch_ds", "batch_dt", "batch_du", "batch_dv",
             "batch_dw", "batch_dx", "batch_dy", "batch_dz", "batch_ea", "batch_eb", "batch_ec", "batch_ed", "batch_ee",
             "batch_ef", "batch_eg", "batch_eh", "batch_ei", "batch_ej", "batch_ek", "batch_el", "batch_em",
             "batch_en", "batch_eo", "batch_ep", "batch_eq", "batch_er", "batch_es", "batch_et", "batch_eu",
             "batch_ev", "batch_ew", "batch_ex", "batch_ey", "batch_ez", "batch_fa", "batch_fb", "batch_fc",
             "batch_fd", "batch_fe", "batch_ff", "batch_fg", "batch_fh", "batch_fi", "batch_fj", "batch_fk",
             "batch_fl", "batch_fm", "batch_fn", "batch_fo", "batch_fp", "batch_fq", "batch_fr", "batch_fs",
             "batch_ft", "batch_fu", "batch_fv", "batch_fw", "batch_fx", "batch_fy", "batch_fz", "batch_ga"]
)
def test_blind_batch_is_well_formed(name: str) -> None:
    cases = load_vignettes(BLIND / f"{name}.jsonl")
    assert len(cases) >= 60
    assert len({c["id"] for c in cases}) == len(cases)
    emergencies = [c for c in cases if c["urgency"] == "emergency"]
    assert len(emergencies) >= 30
    assert len(cases) - len(emergencies) >= 25
    for c in cases:
        assert set(c["departments"]) <= set(DEPARTMENTS), c
        assert set(c["red_flags"]) <= set(RED_FLAG_CODES), c
    assert len({c["dialect"] for c in cases}) >= 5  # each batch spans several dialects (P: the south and west only)


@pytest.mark.parametrize("name", ["batch_a", "batch_b", "batch_c", "batch_d", "batch_e"])
def test_tuned_blind_batches_miss_no_emergency(name: str) -> None:
    rep = evaluate(load_vignettes(BLIND / f"{name}.jsonl"))
    assert rep.emergency_sensitivity == 1.0, rep.failures


def _emergencies_found(cases: list[dict]) -> tuple[int, int, int]:
    em = [c for c in cases if c["urgency"] == "emergency"]
    found = sum(assess(c["text"]).urgency == "emergency" for c in em)
    false_em = sum(assess(c["text"]).urgency == "emergency" for c in cases if c["urgency"] != "emergency")
    return found, len(em), false_em


@pytest.mark.parametrize(
    ("name", "with_net", "rules_alone"),
    [
        # docs/triage.md: (emergencies found, emergencies, false emergencies among the rest). Since session
        # 2026-12-07 (fourth) every batch trains both nets once it has been scored blind, so every "with net" figure is
        # in-sample; "held out from both nets" below says how a batch was first scored
        ("batch_f", (46, 46, 0), (41, 46, 0)),
        # round 17: 挤 is a crush; round 19: a hole showing white is bone; round 50: one more by the rules alone
        ("batch_g", (45, 45, 0), (45, 45, 0)),
        ("batch_h", (45, 45, 0), (42, 45, 0)),  # round 61
        ("batch_i", (50, 50, 0), (47, 50, 0)),  # round 31: 尿炕了自个儿都不知道 by the rules too
        ("batch_j", (50, 50, 0), (49, 50, 0)),
        ("batch_k", (45, 45, 0), (43, 45, 0)),  # round 20: L侧手脚, 都是青的
        ("batch_l", (45, 45, 0), (44, 45, 0)),
        ("batch_m", (45, 45, 0), (44, 45, 0)),  # round 15: the earliest duration said wins (one more by rules alone)
        # the nets retrained with CP and CQ (session 2026-12-07, fifth) raise three non-emergencies they had learned, each
        # just over the threshold (0.50 against 0.496): N's numb fingers after chemotherapy, CI's 闽南 grandmother with
        # blood pressure 180 and a dizzy head, AJ's cut finger that will not bend
        ("batch_n", (45, 45, 0), (43, 45, 0)),
        ("batch_o", (45, 45, 0), (44, 45, 0)),  # round 15: "nothing" negates, an episode that is over is history
        ("batch_p", (45, 45, 0), (43, 45, 0)),
        ("batch_q", (45, 45, 0), (45, 45, 0)),
        # held out from the Chinese net (the English net learns from R-AJ since session 2026-12-06, so their English
        # texts are in-sample for it): R's one false emergency is a stiff neck after a day of cards (落枕)
        ("batch_r", (48, 48, 0), (48, 48, 0)),  # round 53
        ("batch_s", (48, 48, 0), (48, 48, 0)),
        # round 19: the healed motorbike fracture of 2019 ("… bone was out. All healed now") is history at last,
        # and a toddler's pulled elbow (牵到娃娃的手往上一提) is recognised, so the net no longer raises it
        ("batch_t", (48, 48, 0), (48, 48, 0)),
        # round 17: a bench-press chest wall strain, tender to the touch, was read as possibly cardiac until round 32
        # (chest.wall: pain brought on by pressing, breathlessness or sweating denied)
        ("batch_u", (48, 48, 0), (48, 48, 0)),
        # round 18: the net raised two urgent fractures (a deformed wrist, an old woman's spine after a fall); round 39
        # keeps it off the wrist whose fingers are said to feel, be warm and of normal colour (limb_injury_screened)
        ("batch_v", (48, 48, 0), (48, 48, 0)),  # round 34: 冇坐稳一屁股墩 is how she fell, not a hip
        ("batch_w", (48, 48, 0), (48, 48, 0)),
        ("batch_x", (48, 48, 0), (48, 48, 0)),
        # round 21: a rear-end shunt two weeks ago, cleared by the ER, still reads as high-energy trauma; the net
        # raised soreness after a tug-of-war until round 40 (aching limbs after a match or a workout), and a 闽 toothache
        # with a swollen cheek after the round-39 retraining until round 41's
        ("batch_y", (48, 48, 0), (48, 48, 0)),  # round 49: fewer false emergencies
        # round 22: the net raised an osteoporotic back after a fall onto the bottom (AA) until round 42 (back pain with
        # the bladder, bowel and numbness questions answered is not the net's); round 23 keeps it off
        # knocks to the chest wall with breathlessness denied (one each in Z, AA and AB before)
        ("batch_z", (48, 48, 0), (48, 48, 0)),
        ("batch_aa", (48, 48, 0), (48, 48, 0)),
        ("batch_ab", (48, 48, 0), (48, 48, 0)),
        # round 24: the net raised a diabetic toe ulcer, red and weeping but no fever and a warm foot (urgent), until
        # round 45's retraining
        ("batch_ac", (48, 48, 0), (48, 48, 0)),
        # round 25: the net raised a stroke of two years ago whose weakness has not changed (routine neurology); since
        # round 31 an unchanged story is not the net's to judge (red_flags.yaml safety_net_vetoes)
        ("batch_ad", (48, 48, 0), (48, 48, 0)),
        # round 28 keeps the net off children's bruises from a fall someone saw (one each in AE, AF, AG before)
        ("batch_ae", (48, 48, 0), (48, 48, 0)),
        # the net raised a 3-month-old's uneven thigh creases (DDH, routine) and an old stroke's unchanged weakness,
        # both vetoed since round 31
        ("batch_af", (48, 48, 0), (48, 48, 0)),
        # round 28: still missed, a calf that "swell up big big" in a three-week cast (the swelling is read as the
        # foot's); the net raised a knee replacement healing normally until round 42 (康复计划 is no cut: 划)
        ("batch_ag", (48, 48, 0), (48, 48, 0)),
        # batch_ah: scored once on the round-28 code (45/48, 3 false), then used for round 29; the net still raises
        # soreness after three hours of badminton, and two emergencies are left to it
        ("batch_ah", (48, 48, 0), (46, 48, 0)),  # round 59
        # round 30: a grandmother writing about a 5-month-old is read as 74 (her own age wins), so the infant's
        # swollen arm stays urgent; the net raised DDH creases and an old stroke's unchanged weakness (vetoed, round 31)
        ("batch_ai", (48, 48, 0), (45, 48, 0)),  # round 63
        # batch_aj: scored on the round-30 code (47/48, 8 false), then used for round 31 with batch_ak; the net still
        # raises a cut finger that cannot bend (urgent); the rules a teenager's thigh mass with 冒发烧 (bare 冒 "not"
        # is left out: 冒汗, 冒血) as a septic joint
        ("batch_aj", (48, 48, 1), (48, 48, 0)),  # round 60; the CP/CQ retraining (batch_n); the CR–CU one (round 67); the review of round 77 (上礼拜刚刚换了左边膝盖 is a recent operation)
        # batch_ak: scored on the round-30 code (43/48, 4 false; rules alone 42/48, 2 false), then used for round 31;
        # the net raised a 6-year-old's swollen wrist after a fall from the kang (urgent) until round 39 (fingers warm)
        # round 47: "puffs up" is swelling, so a hip replacement 9 days ago whose leg puffs up by the evening raises a
        # clot by the rules even with soft calves (the author: routine; kept, the DVT rule errs to safety)
        ("batch_ak", (48, 48, 1), (48, 48, 1)),
        # batch_al and batch_am: written before round 31 and scored once on the round-33 code (AL 47/48, 7 false; AM
        # 43/48, 6 false — docs/triage.md), then used for round 34; AL's net still raises a knee replacement's weeping
        # wound without fever (urgent); an old man's dinner-fork wrist with fingers moving, not numb, of normal colour
        # no longer since round 39
        ("batch_al", (48, 48, 0), (45, 48, 0)),  # round 49: fewer false emergencies
        ("batch_am", (48, 48, 0), (48, 48, 0)),
        # batch_an: scored on the round-32 code (43/48, 3 false; rules alone 42/48, 3 false), then used for round 33
        ("batch_an", (48, 48, 0), (48, 48, 0)),  # round 53
        # batch_ap: written during round 34 and scored once on its code (46/48, 4 false — docs/triage.md), then used for
        # round 35 (two English phrasings; a Cantonese chest-wall strain the net raised); still raised: a knee
        # replacement's day-5 swelling and shin bruising (DVT rule), a whiplash from a rear-end a week ago cleared
        # in the ER (high-energy), a numb bottom after a five-hour drive that went away (cauda equina); the net raised an
        # 80-year-old's back strained lifting a flowerpot (urgent) between the round-39 and round-41 retrainings
        ("batch_ap", (48, 48, 1), (47, 48, 1)),  # round 49: fewer false emergencies
        # batch_aq: written after round 35 and scored once on its final code (42/48, 7 false; rules alone 38/48, 3
        # false — docs/triage.md), then used in session 2026-12-06 (the English net, round-36 phrasings); the net
        # still raises a gout flare told without 痛风 and a neck stiff a month after a crash checked in the ER (round 39
        # reads 按到就痛 as tenderness: a chest-wall strain; round 40 the thighs aching after a first gym day)
        ("batch_aq", (48, 48, 0), (41, 48, 0)),  # round 49: fewer false emergencies
        # batch_ar and batch_as: written in session 2026-12-06 by two new authors from DOMAIN.md alone, scored once on
        # the English net's code (AR 48/48, 4 false; AS 47/48, 3 false; rules alone 41/48, 3 and 43/48, 2 —
        # docs/triage.md), then used for round 37 — held out from both nets; round 39 keeps the net off AR's small
        # kitchen cut told in 粤 (手指郁得，唔麻), and AS's central cord injury is found by the rules too (额头)
        ("batch_ar", (48, 48, 0), (44, 48, 0)),  # round 61; round 71: two more by the rules alone
        ("batch_as", (48, 48, 0), (47, 48, 0)),  # round 53; round 71: one more by the rules alone
        # batch_at and batch_au: written in session 2026-12-06 while round 37 was made, kept unread, scored once on its
        # final code (AT 47/48, 4 false; AU 48/48, 5 false; rules alone 46/48, 3 and 42/48, 3 — docs/triage.md), then
        # used for round 38 — held out from both nets. Still raised: a bench-press chest strain pressed on the pec
        # (acute coronary), an old man drinking too little (the net), a crushed fingertip (compartment); since round 40
        # no longer a patient repeating "医生讲过如果大小便有问题…要马上去急诊" (a warning repeated is not a sign had)
        ("batch_at", (48, 48, 0), (47, 48, 0)),  # round 62
        ("batch_au", (48, 48, 0), (43, 48, 0)),  # round 53
        # batch_av and batch_aw: written in session 2026-12-06 while round 38 was made (35+ decoys each by brief), kept
        # unread, scored once on its final code (AV 46/48, 4 false; AW 48/48, 7 false; rules alone 44/48, 3 and 46/48,
        # 3 — docs/triage.md), then used for round 39 — held out from both nets. Still raised: AV's Raynaud's fingers
        # (the net; a feverish 闽 child who runs about no longer since round 41) and AW's 闽 bunion (the net)
        ("batch_av", (48, 48, 0), (46, 48, 0)),  # round 53
        ("batch_aw", (48, 48, 0), (47, 48, 0)),  # round 53; round 61
        # batch_ax and batch_ay: written in session 2026-12-07 from DOMAIN.md alone (35+ decoys each), scored once on the
        # round-39 code (AX 48/48, 5 false; AY 48/48, 8 false; rules alone 42/48, 1 and 44/48, 6 — docs/triage.md), then
        # used for round 40 — held out from both nets
        ("batch_ax", (48, 48, 0), (43, 48, 0)),  # round 53
        ("batch_ay", (48, 48, 0), (46, 48, 0)),  # round 48: one more by the rules alone; round 61
        # batch_az and batch_ba: written in session 2026-12-07 while round 40 was made, scored once on its final code (AZ
        # 48/48, 6 false; BA 46/48, 6 false; rules alone 44/48, 2 and 42/48, 3 — docs/triage.md), then used for round 41
        # — held out from both nets
        ("batch_az", (48, 48, 0), (46, 48, 0)),  # round 53; round 64
        ("batch_ba", (48, 48, 0), (46, 48, 0)),  # rounds 52 and 54: one more by the rules alone each
        # batch_bb and batch_bc: written in session 2026-12-07 while round 41 was made, kept unread, scored once on its
        # final code (BB 48/48, 1 false; BC 48/48, 7 false; rules alone 42/48, 0 and 46/48, 2 — docs/triage.md), then
        # used for round 42 — held out from both nets. Still raised: BC's day-10 knee replacement SBAR note ("pain 3/10"
        # bound to the calves said to be non-tender: DVT) and a cyclist's numbness down below that went away (cauda
        # equina: a saddle numbness the patient says has passed is left to the rules)
        ("batch_bb", (48, 48, 0), (42, 48, 0)),
        ("batch_bc", (48, 48, 1), (46, 48, 1)),  # round 49: fewer false emergencies
        # batch_bd and batch_be: written in session 2026-12-07 while round 42 was made (30+ decoys each, the routine and
        # urgent cases spread over every department), kept unread, scored once on its final code (BD 48/48, 2 false; BE
        # 48/48, 3 false; rules alone 44/48, 0 and 44/48, 2 — docs/triage.md), then used for round 43 — held out
        ("batch_bd", (48, 48, 0), (45, 48, 0)),  # round 50: one more by the rules alone
        ("batch_be", (48, 48, 0), (45, 48, 0)),  # round 61
        # batch_bf and batch_bg: written in session 2026-12-07 while round 43 was made, kept unread, scored once on its
        # final code (BF 48/48, 4 false; BG 47/48, 4 false; rules alone 43/48, 3 and 42/48, 2 — docs/triage.md), then
        # used for round 44 — held out from both nets
        ("batch_bf", (48, 48, 0), (45, 48, 0)),  # round 55: one more by the rules alone; round 59
        ("batch_bg", (48, 48, 0), (44, 48, 0)),  # round 48: one more by the rules alone
        # batch_bh and batch_bi: written in session 2026-12-07 while round 44 was made, kept unread, scored once on its
        # final code (BH 47/48, 4 false; BI 47/48, 3 false; rules alone 41/48, 2 and 43/48, 1 — docs/triage.md), then
        # used for round 45 — held out from both nets
        ("batch_bh", (48, 48, 0), (44, 48, 0)),  # round 71: one more by the rules alone
        ("batch_bi", (48, 48, 0), (44, 48, 0)),
        # batch_bj and batch_bk: written in session 2026-12-07 while round 45 was made, kept unread, scored once on its
        # final code (BJ 46/48, 5 false; BK 48/48, 5 false; rules alone 41/48, 3 and 39/48, 4 — docs/triage.md); BJ's two
        # misses (a referral's spinal infection, a ward note's pulseless hand) were then fixed (round 46), nothing else
        # was tuned on them — held out from both nets
        ("batch_bj", (48, 48, 1), (44, 48, 1)),  # round 53
        ("batch_bk", (48, 48, 1), (42, 48, 1)),  # round 48: one more by the rules alone; round 49: fewer false emergencies; round 53
        # batch_bl and batch_bm: written in session 2026-12-07 (second) while round 47 was made, kept unread, scored once
        # on its final code (BL 46/48, 4 false; BM 46/48, 4 false; rules alone 41/48, 3 and 45/48, 3 — docs/triage.md),
        # then used for round 48 — held out from both nets
        ("batch_bl", (48, 48, 0), (44, 48, 0)),
        ("batch_bm", (48, 48, 1), (47, 48, 1)),
        # batch_bn and batch_bo: written while round 49 was made, kept unread, scored once on its final code (BN 47/48,
        # 0 false; BO 48/48, 3 false; rules alone 45/48, 0 and 44/48, 2 — docs/triage.md), then used for round 50 — held
        # out from both nets
        ("batch_bn", (48, 48, 0), (46, 48, 0)),
        ("batch_bo", (48, 48, 0), (44, 48, 0)),
        # batch_bp and batch_bq: written while round 51 was made, kept unread, scored once on its final code (BP 47/48,
        # 0 false; BQ 48/48, 1 false; rules alone 44/48, 0 and 47/48, 1 — docs/triage.md), then used for round 52 — held
        # out from both nets
        ("batch_bp", (48, 48, 0), (46, 48, 0)),
        ("batch_bq", (48, 48, 0), (48, 48, 0)),
        # batch_br and batch_bs: written while round 53 was made, kept unread, scored once on its final code (BR 48/48,
        # 4 false; BS 48/48, 2 false; rules alone 45/48, 1 and 44/48, 1 — docs/triage.md), then used for round 54 — held
        # out from both nets
        ("batch_br", (48, 48, 0), (46, 48, 0)),  # round 73: one more by the rules alone
        ("batch_bs", (48, 48, 0), (45, 48, 0)),  # round 62
        # batch_bt and batch_bu: written while round 54 was made, kept unread, scored once on its final code (BT 48/48,
        # 3 false; BU 47/48, 5 false; rules alone 47/48, 1 and 39/48, 3 — docs/triage.md), then used for round 55 — held
        # out from both nets
        ("batch_bt", (48, 48, 0), (47, 48, 0)),
        ("batch_bu", (48, 48, 0), (40, 48, 0)),  # round 68 (a kidney infection's fever over)
        # batch_bv and batch_bw: written while round 55 was made, kept unread, scored once on its final code (BV 48/48,
        # 4 false; BW 48/48, 2 false; rules alone 44/48, 1 and 44/48, 2 — docs/triage.md), then used for round 56 — held
        # out from both nets
        ("batch_bv", (48, 48, 0), (44, 48, 0)),  # the net raises a 5-year-old limping after a cold (urgent); round 60
        ("batch_bw", (48, 48, 0), (45, 48, 0)),  # round 73: one more by the rules alone
        # batch_bx and batch_by: written while round 56 was made, kept unread, scored once on its final code (BX 48/48,
        # 2 false; BY 48/48, 4 false; rules alone 47/48, 2 and 45/48, 1 — docs/triage.md), then used for round 57 (their
        # false emergencies) — held out from both nets
        ("batch_bx", (48, 48, 0), (47, 48, 0)),
        ("batch_by", (48, 48, 0), (45, 48, 0)),  # round 59
        # batch_bz and batch_ca: written in session 2026-12-07 (third) while round 59 was made, kept unread, scored once
        # on its final code and on the code before the session, the same (BZ 46/48, 3 false; CA 46/48, 2 false; rules
        # alone 41/48, 3 and 38/48, 2 — docs/triage.md), then used for round 60 — held out from both nets
        ("batch_bz", (48, 48, 0), (44, 48, 0)),  # round 60
        ("batch_ca", (48, 48, 0), (41, 48, 0)),  # round 60
        # batch_cb and batch_cc: written while round 60 was made, kept unread, scored once on its final code (CB 47/48,
        # 2 false; CC 46/48, 5 false; rules alone 43/48, 0 and 41/48, 4; the code before the session: the same found and
        # false — docs/triage.md), then used for round 61 — held out from both nets
        ("batch_cb", (48, 48, 0), (44, 48, 0)),  # round 61
        ("batch_cc", (48, 48, 0), (44, 48, 0)),  # round 61
        # batch_cd and batch_ce: written while round 61 was made, kept unread, scored once on its final code (CD 46/48,
        # 6 false; CE 48/48, 7 false; rules alone 44/48, 2 and 44/48, 5; the code before the session: the same found and
        # false — docs/triage.md), then used for round 62 — held out from both nets
        ("batch_cd", (48, 48, 0), (47, 48, 0)),  # round 62
        ("batch_ce", (48, 48, 0), (45, 48, 0)),  # round 62; round 69 (a threshing machine's crush)
        # batch_cf and batch_cg: written while round 62 was made, kept unread, scored once on its final code (CF 46/48,
        # 11 false; CG 48/48, 4 false; rules alone 38/48, 6 and 44/48, 2; the code before the session: CF 45/48, 11 false,
        # CG 48/48, 3 false — docs/triage.md), then used for round 63 — held out from both nets
        ("batch_cf", (48, 48, 0), (41, 48, 0)),  # round 63; round 67 (a child who will not bear weight)
        ("batch_cg", (48, 48, 0), (45, 48, 0)),  # round 63
        # batch_ch and batch_ci: written while round 63 was made, kept unread, scored once on its final code (CH 47/48,
        # 1 false; CI 48/48, 5 false; rules alone 41/48, 1 and 41/48, 3; the code before the session: CH 46/48, 1 false,
        # CI 48/48, 7 false — docs/triage.md), then used for round 64 — held out from both nets
        ("batch_ch", (48, 48, 0), (43, 48, 0)),  # round 64; the review of round 77 (上个礼拜换的膝盖: a recent operation)
        ("batch_ci", (48, 48, 1), (42, 48, 1)),  # round 64; the CP/CQ retraining (batch_n); the CR–CU one
        # batch_cj and batch_ck: written in session 2026-12-07 (fourth), kept unread, scored once on the code before it
        # (CJ 48/48, 3 false; CK 48/48, 6 false; rules alone 41/48, 1 and 44/48, 4) and on nets retrained on every
        # earlier set (CJ 48/48, 2 false; CK 48/48, 4 false — docs/triage.md), then added to the nets' training data
        ("batch_cj", (48, 48, 1), (42, 48, 1)),  # round 73: one more by the rules alone
        ("batch_ck", (48, 48, 2), (45, 48, 2)),  # round 69 (wrapping a wound is no lump); round 73: one more by the rules alone
        # batch_cl and batch_cm: written after the nets were retrained on every earlier set, kept unread, scored once on
        # that code (5ec6e6e: CL 47/48, 6 false; CM 48/48, 1 false; rules alone 38/48, 3 and 42/48, 1) and on the code
        # before the session (e644262: CL 46/48, 7 false; CM 46/48, 3 false — docs/triage.md); CL's district nurse's
        # DVT ("non-operated side") is found since, then both joined the nets' training data
        ("batch_cl", (48, 48, 3), (39, 48, 2)),  # the CR–CU retraining (round 67); the DH–DK one
        ("batch_cm", (48, 48, 1), (42, 48, 1)),
        # batch_cn and batch_co: written in session 2026-12-07 (fifth) while the department model was built, kept
        # unread, scored once on its code and on the code before the session (the same found and false: CN 47/48, 5
        # false; CO 47/48, 8 false; rules alone 38/48, 4 and 41/48, 8 — docs/triage.md); their misses (a 吴 hip
        # replacement's swollen calf, an Indian-English cauda equina) were fixed in round 65, then both joined the
        # nets' training data
        ("batch_cn", (48, 48, 3), (41, 48, 3)),  # round 73: one more by the rules alone
        # (round 72: CO's pyelonephritis, a burning bladder and a loin ache with fever, is no cauda equina)
        ("batch_co", (48, 48, 7), (42, 48, 7)),
        # batch_cp and batch_cq: written while round 65 was made, kept unread, scored once on its final code (CP 48/48,
        # 5 false; CQ 48/48, 7 false; the code before the session: 48/48, 6 and 48/48, 7 — docs/triage.md), then added
        # to the training data of both nets and the department model; their false emergencies are all the rules'
        # Rounds 66 and 67 took their false emergencies from 11 to 1, all in the rules (someone else's story, a warning
        # put in general words, reflux called chest pain, ice on a sprain, a sprain's bruise, a Cockney swear word, 闽南
        # 烧烧 with the fever denied, a kidney infection's "hot")
        ("batch_cp", (48, 48, 1), (44, 48, 1)),
        ("batch_cq", (48, 48, 0), (45, 48, 0)),
        # batch_cr … batch_cu: written in session 2026-12-07 (seventh) while round 66 was made, kept unread, scored once
        # on the round-66 code and on the code before the session (51a2f75) — CR 48/48, 2 false (the same); CS 48/48,
        # 1 (1); CT 47/48, 2 (47/48, 2: a Jamaican febrile toddler who will not bear weight, missed by both); CU 48/48,
        # 1 (3) — then used for round 67 and added to the training data of both nets and the department model
        ("batch_cr", (48, 48, 0), (44, 48, 0)),
        ("batch_cs", (48, 48, 0), (44, 48, 0)),
        ("batch_ct", (48, 48, 0), (46, 48, 0)),
        ("batch_cu", (48, 48, 0), (42, 48, 0)),
        # batch_cv … batch_cy: written while round 67 was made, kept unread, scored once on its final code (with the nets
        # retrained on CR–CU) and on the code before the session (51a2f75) — CV 48/48, 6 false (48/48, 6); CW 47/48, 3
        # (47/48, 3: a kidney transplant's spinal infection, missed by both); CX 48/48, 2 (2); CY 48/48, 4 (47/48, 5) —
        # then used for round 68 and added to the training data
        ("batch_cv", (48, 48, 0), (43, 48, 0)),
        ("batch_cw", (48, 48, 0), (41, 48, 0)),
        ("batch_cx", (48, 48, 0), (42, 48, 0)),
        ("batch_cy", (48, 48, 1), (43, 48, 1)),
        # batch_cz … batch_dc: written while round 68 was made, kept unread, scored once on its final code (with the nets
        # retrained on CV–CY) and on the code before the session (51a2f75) — CZ 48/48, 1 false (2); DA 48/48, 3 (4);
        # DB 48/48, 1 (3); DC 48/48, 6 (7) — then used for round 69 and added to the training data
        ("batch_cz", (48, 48, 0), (41, 48, 0)),
        ("batch_da", (48, 48, 0), (43, 48, 0)),
        ("batch_db", (48, 48, 0), (43, 48, 0)),
        ("batch_dc", (48, 48, 0), (45, 48, 0)),  # round 73: one more by the rules alone
        # batch_dd … batch_dg: written while round 69 was made, kept unread, scored once on its final code (with the nets
        # retrained on CZ–DC) and on the code before the session (51a2f75) — DD 46/48, 2 false (46/48, 4); DE 48/48, 3
        # (48/48, 4); DF 45/48, 1 (45/48, 2); DG 47/48, 3 (47/48, 3): six missed emergencies, the same six missed by the
        # code before the session — then used for round 70 and added to the training data. Round 70's rules (a fall down
        # the stairs onto the neck with clumsy hands, a Nigerian-English cauda equina, a rodeo fall, angina told as a
        # frozen shoulder, a clinician already sending to ED, a big joint still dislocated) also raise more of the older
        # batches' emergencies with the net switched off (AQ, BQ, CC, CN, CV above)
        ("batch_dd", (48, 48, 0), (43, 48, 0)),
        ("batch_de", (48, 48, 0), (44, 48, 0)),  # round 71: one more by the rules alone
        ("batch_df", (48, 48, 0), (44, 48, 0)),
        ("batch_dg", (48, 48, 0), (44, 48, 0)),
        # batch_dh … batch_dk: written while round 70 was made, kept unread, scored once on its final code (with the nets
        # retrained on DD–DG) and on the code before the session (51a2f75) — DH 48/48, 3 false (48/48, 6); DI 47/48, 3
        # (47/48, 4: a myelopathy with falls and legs failing over three days, labelled an emergency by its author,
        # urgent by the rules); DJ 48/48, 3 (3); DK 48/48, 3 (4) — then added to the training data, not used for a round
        # (the session ended); their false emergencies are left for the next one
        # round 71 (session 2026-12-07, eighth) used DH–DK's and DL–DO's false emergencies and misses (a neighbour's or a
        # television's story, a fever that is over, reflux, a dentist's numb face, a myelopathy that suddenly worsens)
        ("batch_dh", (48, 48, 0), (39, 48, 0)),
        ("batch_di", (48, 48, 0), (40, 48, 0)),  # round 72: DI's 吴 Raynaud's
        ("batch_dj", (48, 48, 0), (45, 48, 0)),
        ("batch_dk", (48, 48, 1), (44, 48, 1)),
        # batch_dl … batch_do (session 2026-12-07, eighth): written while the session began, kept unread, scored once on
        # the code the session started from (bcde5b7) — DL 47/48, 2 false; DM 47/48, 4; DN 45/48, 6; DO 47/48, 3 — then
        # used for round 71 and added to the training data. What is left: DL's hypothetical split by spaces
        ("batch_dl", (48, 48, 0), (41, 48, 0)),
        ("batch_dm", (48, 48, 1), (43, 48, 0)),
        ("batch_dn", (48, 48, 0), (40, 48, 0)),
        ("batch_do", (48, 48, 0), (41, 48, 0)),  # round 72: DO's Bell's palsy (forehead and eye, speech and limbs fine)
        # batch_dp … batch_ds: written while round 71 was made, kept unread, scored once on its final code (with the nets
        # retrained on DL–DO) and on the code the session started from (bcde5b7) — DP 47/48, 3 false (47/48, 3); DQ 46/48,
        # 2 (46/48, 2); DR 46/48, 1 (46/48, 1); DS 46/48, 4 (45/48, 4) — then used for round 72 and added to the training data
        ("batch_dp", (48, 48, 0), (43, 48, 0)),
        ("batch_dq", (48, 48, 0), (46, 48, 0)),
        ("batch_dr", (48, 48, 0), (44, 48, 0)),
        ("batch_ds", (48, 48, 0), (44, 48, 0)),
        # batch_dt … batch_dw: written while round 72 was made, kept unread, scored once on its final code (with the nets
        # retrained on DP–DS) and on the code the session started from (bcde5b7) — DT 46/48, 1 false (46/48, 1); DU 46/48,
        # 4 (44/48, 4); DV 45/48, 2 (45/48, 2); DW 47/48, 1 (47/48, 1) — then used for round 73 and added to the training
        # data. DU's two left are children's visibly bent forearm and elbow after a fall, which its author calls
        # emergencies; the other labelled sets call a deformity without a cold, numb or open limb urgent (a rule raising
        # it made 45 labelled answers worse and none better), so the rules leave them urgent
        ("batch_dt", (48, 48, 0), (42, 48, 0)),
        ("batch_du", (46, 48, 0), (40, 48, 0)),
        ("batch_dv", (48, 48, 0), (41, 48, 0)),
        ("batch_dw", (48, 48, 0), (45, 48, 0)),
        # batch_dx … batch_ea: written while round 73 was made, kept unread, scored once on its final code (with the nets
        # retrained on DT–DW) and on the code the session started from (bcde5b7) — DX 47/48, 1 false (47/48, 1); DY 47/48,
        # 2 (46/48, 3); DZ 46/48, 2 (46/48, 2); EA 48/48, 5 (48/48, 5) — then used for round 74 and added to the training
        # data
        ("batch_dx", (48, 48, 0), (41, 48, 0)),
        ("batch_dy", (48, 48, 0), (46, 48, 0)),
        ("batch_dz", (48, 48, 0), (45, 48, 0)),
        ("batch_ea", (48, 48, 0), (46, 48, 0)),
        # batch_eb … batch_ee (session 2026-12-07, ninth): scored once on the code the session started from (1043201) — EB
        # 45/48, 0 false; EC 48/48, 2; ED 47/48, 3; EE 48/48, 4 — then used for round 75 and added to the training data.
        # Rounds 75–76 also moved earlier pins: one more found by the rules alone in BK and DJ (a nursery note's "2y 5m" is
        # now two years and five months, not five months), CU and DT (a myelopathy told 往前一栽 or 比以前厉害多了 after a
        # fall), DZ (bruises "some new some old", a stair the toddler cannot climb); one false emergency fewer in CL, CT and
        # DL; one more in EA, raised by the retrained net (a nine-year-old's cast after a fall from the monkey bars)
        ("batch_eb", (48, 48, 0), (43, 48, 0)),
        ("batch_ec", (48, 48, 0), (46, 48, 0)),
        ("batch_ed", (48, 48, 0), (46, 48, 0)),
        ("batch_ee", (48, 48, 0), (46, 48, 0)),
        # batch_ef … batch_ei: written while round 75 was made, kept unread, scored once on its final code (nets retrained
        # on EB–EE) — EF 48/48, 0 false; EG 48/48, 4; EH 47/48, 4; EI 47/48, 1 (on 1043201 the same) — then used for round
        # 76 and added to the training data; EH's one false emergency left is a panic attack's tingling hands and lips
        ("batch_ef", (48, 48, 0), (45, 48, 0)),
        ("batch_eg", (48, 48, 0), (42, 48, 0)),
        ("batch_eh", (48, 48, 1), (44, 48, 1)),
        ("batch_ei", (48, 48, 0), (45, 48, 0)),
        # batch_ej … batch_em: written while round 76 was made, kept unread, scored once on its final code (nets retrained
        # on EF–EI) — EJ 48/48, 6 false; EK 47/48, 2; EL 45/48, 1; EM 48/48, 3 (on 1043201: 48, 6; 46, 2; 45, 2; 48, 3) —
        # then used for round 77 and added to the training data. Round 77 moved earlier pins: one more by the rules alone
        # in AG, CV, CX and ED (a calf swollen since yesterday in a plaster; a febrile toddler who "nah walk", twice; a
        # fresh hip replacement's swollen calf); one false emergency more in AJ and DM, raised by the retrained net (a finger
        # that will not straighten; a nursing-home resident who sat down slowly and walked off)
        ("batch_ej", (48, 48, 0), (42, 48, 0)),
        ("batch_ek", (48, 48, 1), (46, 48, 1)),
        ("batch_el", (48, 48, 0), (41, 48, 0)),
        ("batch_em", (48, 48, 1), (46, 48, 1)),
        # batch_en … batch_eq: written while round 77 was made, kept unread, scored once on its final code (nets retrained
        # on EJ–EM) — EN 45/48, 2 false; EO 48/48, 5; EP 48/48, 4; EQ 47/48, 4 (on 1043201: 45, 2; 48, 5; 48, 4; 46, 4) —
        # then used for round 78 and added to the training data. Round 78 moved earlier pins: one more by the rules alone
        # in CD and CU (a broken ankle "in the boot, mostly on the sofa" with a swelling calf), DO (a narrow neck canal
        # dated by an MRI two years ago, then a fall onto the chin), DT (a leg in bed after a knee operation); AJ and DM
        # lost the false emergency the round-77 net had raised
        ("batch_en", (48, 48, 1), (46, 48, 1)),
        ("batch_eo", (48, 48, 1), (41, 48, 1)),
        ("batch_ep", (48, 48, 0), (44, 48, 0)),
        ("batch_eq", (48, 48, 1), (43, 48, 1)),
        # batch_er … batch_ey: two waves written while round 78 was made, kept unread, both scored once on its final code
        # (nets retrained on EN–EQ) — ER 48/48, 2 false; ES 45/48, 2; ET 47/48, 4; EU 48/48, 1; EV 47/48, 2; EW 47/48, 3;
        # EX 47/48, 2; EY 47/48, 3 (on 1043201: ER 48, 3; ES 45, 2; ET 47, 4; EU 48, 1; EV 47, 2; EW 47, 3; EX 46, 2; EY 47,
        # 4) — then used for round 79 and added to the training data. Round 79 moved earlier pins: one more by the rules
        # alone in L, CG, DL, DP (a compartment told with the fingers or toes pulled by someone else, 扳/掰/拉, or a crush
        # told with its agent, 给模具夹住) and EC, EK (a myelopathy worse over the last days)
        ("batch_er", (48, 48, 1), (44, 48, 1)),
        ("batch_es", (48, 48, 1), (44, 48, 1)),
        ("batch_et", (48, 48, 3), (37, 48, 3)),
        ("batch_eu", (48, 48, 0), (46, 48, 0)),
        ("batch_ev", (48, 48, 0), (45, 48, 0)),
        ("batch_ew", (48, 48, 3), (43, 48, 3)),
        ("batch_ex", (48, 48, 1), (41, 48, 1)),
        ("batch_ey", (48, 48, 3), (44, 48, 3)),
        # batch_ez … batch_fc (session 2026-12-08, tenth): scored once on the code the session started from (0cad68f) — EZ
        # 47/48, 4 false; FA 48/48, 5; FB 48/48, 6; FC 46/48, 0 (FC is half short messages) — then used for round 80 and
        # added to the training data
        ("batch_ez", (48, 48, 1), (45, 48, 1)),
        ("batch_fa", (48, 48, 2), (40, 48, 2)),
        ("batch_fb", (48, 48, 1), (45, 48, 1)),
        ("batch_fc", (48, 48, 0), (41, 48, 0)),
        # batch_fd … batch_fg: written while round 80 was made, kept unread, scored once on its final code (nets retrained
        # on EZ–FC) — FD 48/48, 2 false; FE 46/48, 6; FF 48/48, 6; FG 48/48, 2 (on 0cad68f: 48, 2; 46, 6; 48, 5; 48, 2) —
        # then used for round 81 and added to the training data
        ("batch_fd", (48, 48, 1), (44, 48, 1)),
        ("batch_fe", (48, 48, 0), (37, 48, 0)),
        ("batch_ff", (48, 48, 0), (39, 48, 0)),
        ("batch_fg", (48, 48, 0), (42, 48, 0)),
        # batch_fh … batch_fk: written while round 81 was made, kept unread, scored once on its final code (nets retrained
        # on FD–FG) — FH 45/48, 4 false; FI 47/48, 8; FJ 47/48, 3; FK 48/48, 2 (on 0cad68f: 47, 4; 47, 9; 47, 3; 48, 2) —
        # then used for round 82 and added to the training data
        ("batch_fh", (47, 48, 0), (43, 48, 0)),
        ("batch_fi", (48, 48, 1), (42, 48, 1)),
        ("batch_fj", (47, 48, 3), (43, 48, 3)),
        ("batch_fk", (48, 48, 1), (48, 48, 1)),
        # batch_fl … batch_fo (session 2026-12-08, eleventh): scored once on the code with the new urgency model (nets as
        # the session started) — FL 48/48, 0 false; FM 47/48, 6; FN 48/48, 1; FO 48/48, 1 (the same on 728bdf5) — then used
        # for round 83 and added to the training data
        ("batch_fl", (48, 48, 0), (44, 48, 0)),
        ("batch_fm", (48, 48, 0), (45, 48, 0)),
        ("batch_fn", (48, 48, 0), (39, 48, 0)),
        ("batch_fo", (48, 48, 0), (46, 48, 0)),
        # batch_fp … batch_fs: written while round 83 was made, kept unread, scored once on its final code (nets retrained on
        # FL–FO) — FP 48/48, 1 false; FQ 48/48, 4; FR 48/48, 5; FS 47/48, 5 (the same on 728bdf5) — then used for round 84
        # and added to the training data
        ("batch_fp", (48, 48, 0), (39, 48, 0)),
        ("batch_fq", (48, 48, 1), (47, 48, 0)),
        ("batch_fr", (48, 48, 2), (46, 48, 2)),
        ("batch_fs", (48, 48, 1), (43, 48, 1)),
        # batch_ft … batch_fw: written while round 84 was made, kept unread, scored once on its final code (nets retrained on
        # FP–FS) — FT 48/48, 0 false; FU 48/48, 6; FV 48/48, 1; FW 48/48, 2 (the same on 728bdf5) — then used for round 85
        # and added to the training data
        ("batch_ft", (48, 48, 0), (45, 48, 0)),
        ("batch_fu", (48, 48, 4), (44, 48, 3)),
        ("batch_fv", (48, 48, 0), (42, 48, 0)),
        ("batch_fw", (48, 48, 2), (46, 48, 2)),
        # batch_fx … batch_ga: written while round 85 was made, kept unread, scored once on its final code (nets retrained on
        # FT–FW) — FX 47/48, 1 false; FY 48/48, 2; FZ 48/48, 3; GA 47/48, 1 (the same on 728bdf5) — then added to the training
        # data (no round was made on them)
        ("batch_fx", (47, 48, 1), (45, 48, 1)),
        ("batch_fy", (48, 48, 1), (44, 48, 1)),
        ("batch_fz", (48, 48, 2), (45, 48, 2)),
        ("batch_ga", (48, 48, 1), (42, 48, 1)),
        # batch_ao: scored on the round-31 code (46/48, 5 false; rules alone 44/48, 3 false), then used for round 32;
        # the English net raised a knee replacement two weeks on, warm and puffy, fever denied (routine) from round 37
        # until round 49 ("calf looks normal" answers the clot question)
        ("batch_ao", (48, 48, 0), (46, 48, 0)),
    ],
)
def test_blind_batch_figures_match_the_docs(
    monkeypatch: pytest.MonkeyPatch, name: str, with_net: tuple[int, int, int], rules_alone: tuple[int, int, int]
) -> None:
    """The blind batches score as docs/triage.md says, with and without the net."""
    cases = load_vignettes(BLIND / f"{name}.jsonl")
    assert _emergencies_found(cases) == with_net
    net = load_net()
    monkeypatch.setattr(engine, "load_net", lambda: net.with_threshold(2.0))
    assert _emergencies_found(cases) == rules_alone


PHRASE_FAMILIES = {
    # bladder/bowel said without a standard word (Dionne 2019: any change escalates)
    "cauda_equina": [
        "腰杆痛，今天屙尿屙不赢",
        "腰疼，拉屎拉尿都没数了",
        "腰骨痛，屙尿屙唔清",
        "腰痛，小便憋伐牢",
        "腰酸背痛，坐在马桶上下头一点感觉都没了",
        "腰痛，屁股那一圈木起了，小便也不对",
        "老腰病犯了，尿都尿裤兜里了自己还不知道",
        "条腰痛，坐喺度屁股冇乜感觉，小便又唔顺",
    ],
    "open_fracture": ["胳膊摔了，白的骨头都能瞅见", "跌咗一跤，手骨穿咗出嚟", "小腿摔断了，支棱出来一截骨头"],
    "high_energy_trauma": ["从5米高的架子上栽下来，腰痛", "骑摩托摔了，大腿痛得动不了", "高速上出了事故，车翻了，脖子痛"],
    "compartment": ["打完石膏以后手指头肿，越痛越凶", "小腿被货架砸了，胀得像要炸开，疼得钻心"],
    "septic_joint": ["手腕突然肿得老高，红彤彤的，人发烧发冷"],
    "child_safeguarding": ["两个月的宝宝，大腿肿了，说是翻身压到了", "小娃娃还不会爬，耳朵后面有青块"],
    # round 18
    "spinal_infection": ["做了透析的人，腰痛越来越凶，这两天冷得发抖"],
    "stroke": ["今早起来嘴角好像有点歪，说话舌头大了", "我爸嘴巴子有点斜，右手拿不住东西"],
}
PHRASE_FAMILIES["high_energy_trauma"].append("老人走路摔了一跤，脸磕在地上，现在两只手都麻")  # round 18: central cord
# round 19
PHRASE_FAMILIES["open_fracture"].append("手摔断了，伤口里看到白色的东西")
PHRASE_FAMILIES["compartment"] += ["腿骨折打了石高，越来越疼，止疼药没用", "被人踩了小腿，肿得硬邦邦，帮他扳下脚趾头就喊痛"]
PHRASE_FAMILIES["child_safeguarding"].append("三个月的宝宝，胳膊一碰就哭，脖子上有几块青")
# round 21
PHRASE_FAMILIES["cauda_equina"] += ["腰疼，上茅房解不出来小便，憋得小肚子鼓鼓的", "闪了腰，坐凳子上屁股那块跟不是自己的一样"]
PHRASE_FAMILIES["acute_coronary"] = ["后背和左胳膊酸胀，胸口跟压了块石头似的"]


@pytest.mark.parametrize(("code", "text"), [(c, t) for c, ts in PHRASE_FAMILIES.items() for t in ts])
def test_new_phrase_families_raise_the_red_flag(code: str, text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency", (text, r.red_flags)
    assert code in r.red_flags, (text, r.red_flags)


@pytest.mark.parametrize("text", [
    "腰疼，大小便都没问题，不发烧",
    "从1米高的台阶上跳下来，脚踝扭了一下",
    "膝盖疼，越走越疼",
    "六个月的宝宝，体检说髋关节有点松",
])
def test_phrase_family_decoys_stay_non_emergency(text: str) -> None:
    assert assess(text).urgency != "emergency", (text, assess(text).red_flags)


# Round 4: red-flag features composed from components (compose.yaml), each with several phrasings that no
# single lexicon form covers, plus decoys built from the same components that must stay below emergency.
COMPOSED = {
    "cauda_equina": [
        "腰痛，小便拎伐清了",  # 吴: bladder x "伐清"
        "腰痛，憋尿憋得肚子胀",
        "腰扭了以后，小便急，一急就漏出来",
        "腰骨痛，大便出嚟都唔知",
        "腰杆痛，屁股底下木佬佬",
        "腰疼，擦屁股的时候一点感觉都没有",
    ],
    "open_fracture": ["脚被压了，骨头外翻", "看得见里面断的骨头，大腿被钢筋戳穿了", "手指骨头都断开了，血一直冒"],
    "compartment": ["手被压面机压了，肿得硬梆梆", "腿被倒下的树压住半个钟头", "打了石膏，疼得一晚上睡不着"],
    "neurovascular": ["胳膊肘摔了以后，手腕那跳的地方摸不着", "脚踝骨折错位了，脚板颜色发乌"],
    "high_energy_trauma": ["骑马摔下来被马踩了，胯骨疼", "喺地盘俾吊机吊嘅嘢砸中，条腰痛", "被钢板砸中腰，腿动不了"],
    "septic_joint": ["关节打了封闭针以后，又红又肿，发高烧"],
    "stroke": ["脸一边木了，刚刚发生的"],
}


@pytest.mark.parametrize(("code", "text"), [(c, t) for c, ts in COMPOSED.items() for t in ts])
def test_composed_features_raise_the_red_flag(code: str, text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency", (text, r.red_flags)
    assert code in r.red_flags, (text, r.red_flags)


@pytest.mark.parametrize("text", [
    "上厕所蹲不下去，膝盖疼",
    "糖尿病控制不好，脚麻",
    "腰疼，大小便没有失禁",
    "腰痛，没有大小便问题，屁股周围不麻",
    "坐久了屁股和腿发麻，腰也酸",
    "在墙上压腿拉伤了大腿后面",
    "架子上的东西掉下来砸到脚背，有点肿",
    "在楼上摔了一跤，膝盖擦破皮",
    "腰像卡住了一样，两天了",
    "X光看到骨头有条裂缝，医生说骨裂",
    "脚踝扭了，肿了，有点发紫",
    "半边脸麻，已经一个月了，慢慢出现的",
    "膝盖越来越疼，上下楼梯更明显",
    "马上就要考试了，手腕疼",
])
def test_composed_decoys_stay_non_emergency(text: str) -> None:
    assert assess(text).urgency != "emergency", (text, assess(text).red_flags)


# Round 17: the same component idea in English ({eN}/{eNn} gaps in compose.yaml), none of these phrasings being a
# lexicon form, and decoys made of the same words that must stay below emergency.
COMPOSED_EN = {
    "cauda_equina": [
        "back's been bad since tuesday and peeing is weird and slow",
        "sciatica in my left leg, my wee just won't come this morning",
        "lower back agony, really struggling to pass urine since last night",
        "back pain, I can't really feel the toilet paper when I wipe",
        "slipped disc they said, now it's numb down there",
        "my back is killing me and my bottom feels like wood",
    ],
    "high_energy_trauma": [
        "the matatu overturned and my back is very painful",
        "our bus rolled over on the pass, his neck hurts badly",
        "she was knocked down by a boda this evening and can't move her hip",
    ],
    # round 18 (blind batch V): the other red flags by components, apostrophes optional
    "cauda_equina_19": [
        "hurt ma back liftin on monday, tonight i wet masel and didnae feel it",
        "bad back all week and he hasn't been able to pee since lunch",
        "my back's agony and the inside of my thighs has gone numb",
    ],
    "high_energy_trauma_19": ["got rear-ended on the motorway, neck is sore and both arms are prickly"],
    "cauda_equina_18": [
        "sciatica flared up and i cant feel the paper when i wipe",
        "back went out lifting, now my wee is weak and i have to strain",
    ],
    "septic_joint": [
        "his knee blew up overnight, red and hot, temp of 38.9",
        "she's diabetic, elbow swollen and hot, got the shakes and 101 fever",
    ],
    "spinal_infection": [
        "back op three weeks ago, the incision is oozing yellow and my back is worse, temperature 38.5",
        "on dialysis, back pain getting worse, feels chilly at night and shaking",
    ],
    "open_fracture": ["cut his leg open on the chainsaw and the shin is bent under the cut"],
    "neurovascular": ["had my wrist plated on monday, now the fingers are like ice and tingling"],
    "compartment": [
        "the truck was on his legs for half an hour before they got him out",
        "forklift ran over my foot this morning, it is swelling up",
        "kicked in the shin at football, calf tight like a drum, painkillers not working",
        "arm caught in the rollers at work, swollen and the pain is way more than it should be",
    ],
    "acute_coronary": ["mi chest tight an heavy, cyaan catch mi breath on di stairs, mi think a strain from liftin"],
    "dvt": ["my ah ma calf a bit swollen n tight, she had the hip fracture op 10 days ago, lying down mostly"],
    "child_safeguarding": ["the child, 3 years, has round burn marks on the hand like cigarette, they say he fell"],
    "stroke_21": ["since lunch her hand is clumsy and her words sound slurry on the phone",
                  "suddenly her mouth is pulling to one side and the words are not coming out well"],
    "compartment_21": ["hand crushed in the garment press machine, when we straighten his fingers he shouts"],
    "acute_coronary_21": ["pain down his left arm and his chest is heavy when he carries blocks, sweating a lot"],
    "open_fracture_20": ["him fall off di bike and di bone a push through di skin"],
    "neurovascular_20": ["his kneecap popped out and back in, now the foot is cooler than the other one and tingling"],
    "stroke": [
        "since an hour his left foot is dragging and he can't hold his cup in the left hand",
        "my gran's mouth has gone lopsided and she's talking funny since lunch",
        "dad woke up and his left arm and leg have no power",
        "grandpa suddenly talks jumbled, words not making sense",
    ],
}
COMPOSED_EN["cauda_equina"] += COMPOSED_EN.pop("cauda_equina_18") + COMPOSED_EN.pop("cauda_equina_19")
COMPOSED_EN["high_energy_trauma"] += COMPOSED_EN.pop("high_energy_trauma_19")
COMPOSED_EN["open_fracture"] += COMPOSED_EN.pop("open_fracture_20")
COMPOSED_EN["neurovascular"] += COMPOSED_EN.pop("neurovascular_20")
COMPOSED_EN["stroke"] += COMPOSED_EN.pop("stroke_21")
COMPOSED_EN["compartment"] += COMPOSED_EN.pop("compartment_21")
COMPOSED_EN["acute_coronary"] += COMPOSED_EN.pop("acute_coronary_21")


@pytest.mark.parametrize(("code", "text"), [(c, t) for c, ts in COMPOSED_EN.items() for t in ts])
def test_english_composed_features_raise_the_red_flag(code: str, text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency", (text, r.red_flags)
    assert code in r.red_flags, (text, r.red_flags)


@pytest.mark.parametrize("text", [
    "my bum goes numb when I sit for a long time and my back aches",
    "back pain for a week, no trouble peeing, no numbness down there",
    "lower back pain, peeing is fine, nothing weird",
    "back pain, my pee is not weird",
    "back ache, I get up to pee at night twice, always have",
    "back pain and my stools are hard, constipated",
    "the car door hit my knee, sore knee",
    "I drive a bus for a living, back pain for years",
    "sore back, pee is normal, bowels normal",
    # round 18 decoys: the same words, not the red flag
    "my knee is red after gardening, temp is normal, no fever",
    "did bench press yesterday, pressed too much weight, sore chest muscles",
    "the wound has healed well, no oozing, no fever",
    "back ache, feels chilly in this weather but no fever",
    "my hip was replaced in 2015 and it is fine, knee aches on stairs",
    "my dad talks a lot about his old knee, it aches in the cold",
    "i dropped a tin on my toe, bruised, walking ok",
    "cant do buttons since my thumb arthritis flared, hands ache in the morning",
    # round 19 decoys
    "broke my wrist in a car crash in 2015, plate put in. all healed now, just stiff in the cold",
    "my ma has a sore hip, walkin is slow, no fall",
    "my right leg aches after football and my right hand is fine",
    "the car was parked on the drive, my knee aches when I kneel",
    # round 20 decoys
    "bone density scan showed the bone is thin, no pain",
    "my shoulder popped out years ago, it is fine now, just clicks",
    # round 21 decoys
    "in other words my knee aches when i kneel",
    "moving my fingers is fine, no numbness, the cut is small",
    "had a knee op in 2015, all good, now my ankle aches after football",
])
def test_english_composed_decoys_stay_non_emergency(text: str) -> None:
    assert assess(text).urgency != "emergency", (text, assess(text).red_flags)


@pytest.mark.parametrize("text", [
    "前年出车祸腿骨折过 早就好了 现在变天那块酸",  # an accident that has healed is history (round 18)
    "去年摔了一跤手腕骨折，早就长好了，现在拧毛巾有点痛",
])
def test_a_healed_injury_story_is_history(text: str) -> None:
    r = assess(text)
    assert r.urgency != "emergency" and "high_energy_trauma" not in r.red_flags, (text, r.red_flags)


@pytest.mark.parametrize("text", ["腰痛牵到脚，这几天右脚背抬不起来", "back pain and now foot drop on the right, toes catch the ground"])
def test_a_new_foot_drop_is_urgent_spine(text: str) -> None:
    r = assess(text)
    assert "foot_drop" in [e.get("rule") for e in r.evidence]  # at least urgent (the net may raise it further)
    assert r.urgency in ("urgent", "emergency") and max(r.scores, key=r.scores.get) == "spine", (text, r.scores)


def test_todays_fracture_is_not_history_because_old_ones_healed() -> None:
    """腿折了 … 以前断过 都长好了: the old fractures healed, today's is an emergency (child safeguarding)."""
    r = assess("我家小孙子两岁 腿折了 他妈说从沙发上掉下来的 拍片子大夫说还有别的地方以前断过 都长好了")
    assert r.urgency == "emergency" and "child_safeguarding" in r.red_flags, r.red_flags


@pytest.mark.parametrize("text", ["牵到娃娃过马路 一把拽到他手 就哭起来了 现在那只手吊起不动", "我牵到娃娃的手往上一提，她就哭，手吊起的"])
def test_a_pulled_elbow_is_urgent_pediatrics_not_an_emergency(text: str) -> None:
    r = assess(text)
    assert (r.urgency, r.department) == ("urgent", "pediatric"), (r.urgency, r.department, r.evidence[-1:])


def test_a_pull_after_a_dislocation_is_not_a_pulled_elbow() -> None:
    r = assess("胳膊肘脱臼了，我自己拽回去了，现在整个手发白发凉，手指头没知觉")
    assert "cond.nursemaid" not in [f.concept for f in r.findings] and r.urgency == "emergency"


# Rounds 22-30 (blind batches Z … AI): new phrasings of what those batches missed, none of them a batch sentence,
# grouped by the red flag they must raise (docs/triage.md lists what each round changed).
ROUND_22 = {
    "acute_coronary": [
        "左边膀子酸到手臂，他讲落枕。不过胸口闷，透不过气，出冷汗",
        "i am 71, my left arm aches and there is a heavy pain in my chest, i cant catch my breath on the stairs",
        "胸口中间像被压住一样，痛到左边手杆子，气都喘不赢，出冷汗",
    ],
    "cauda_equina": [
        "back pain since the weekend and when i wiped i couldnt feel a thing",
        "my uncle's back is bad and he is passing urine in bed without knowing",
        "since this morning she can't tell when she needs to pee, back pain shooting down both legs",
        "back gone after lifting, I keep finding my pants wet",
        "sciatica both legs, this morning he did not even know he had passed urine",
        "disc trouble, now not just the left leg and uh I wet myself and didn't feel it",
        "my father, 72 years, back pain at night for weeks, since this morning he cannot pass urine",
        "back pain waking her at night for weeks, now she's been leaking and didn't notice till she stood up",
        "阮阿爸腰痛两个月，这两日尿放袂出来，尻川周围麻麻",
        "bad back at night for weeks, since yesterday I can't seem to empty my bladder and my bottom has gone to sleep",
        "cancer gone to her bones, back worse, she's not been to the loo since breakfast and doesn't feel the need",
    ],
    "child_safeguarding": [
        "细伢子才两个月，手膀子肿了一动就哭，身上有几块青的",
        "兩歲細路個肚有一大片瘀青，佢話喺凳跌落嚟",
        "one of the boys, 3 and a half, has bruises behind his ear and on his cheeks",
        "my neighbour's bubba, he's 2 months, has bruises on his ear and tummy",
        "孩子背上有好几条条状淤青，问他先说摔的，后来又改口",
        "三岁的崽屁股后面好几道一条一条的青紫印子，奶奶讲是自己撞的",
    ],
    "compartment": [
        "after the match my calf is rock hard and the painkillers are not helping",
        "took a hockey puck off the forearm, arm is tight like a drum, it kills when i pull my fingers back",
        "shin swollen and very very tight, pain 9/10 even after the injection",
        "arm got stuck in the conveyor, now it's tight like it wants to burst",
        "打完篮球小腿硬邦邦的，吃了止痛药也不管用",
        "小腿骨裂打了石膏，石膏里胀煞，像要爆出来，止痛药用也呒没",
        "a log rolled off the stack onto his shin, now the leg is tight like a football, shiny skin",
        "cast on since yesterday, pain worse an worse, di painkilla dem nah do nutten, him bawl when we stretch him finger",
    ],
    "dvt": [
        "knee scope a week ago then a long drive home, now the calf is swolen and warm",
        "the op on my ankle was a week ago, I'm stuck on the couch, and my calf has gone massive and warm",
        "bone metastasis, they put a rod in his femur a week ago, pretty much in bed since, calf puffy and bigger than the other one",
    ],
    "high_energy_trauma": [
        "rolled the big rig on the interstate, back is killing me and my legs tingle",
        "thrown from his horse this morning, landed on his back, legs feel tingly",
        "我爸腰疼好多年了，昨天骑三轮让货车给撞倒了，现在腰疼得厉害，两条腿发麻",
        "老汉颈椎不好好几年，今天从房顶上摔下来，有三米高，脖子疼，两只手麻",
        "rolled his pickup into the ditch, truck's totaled, now his back hurts and his legs feel funny",
        "阿叔喺棚架跌落嚟，大概兩層樓咁高，而家條腰好痛，兩隻腳痺",
        "flipped the side-by-side this morning, his neck is sore and both hands tinglin since the wreck",
        "myelopathy for a year, tonight we were rear-ended and his legs are weaker than this morning",
        "他开三轮车拉货，在坡上翻到沟里去了，脖子痛，两只手有点麻",
        "he come down about four metres off the roof onto his back, legs feel funny",
        "he cowped aff the trailer, must be three metre, neck sair and both hands tingly",
        "我爸颈椎病好多年了，昨天骑摩托被小车撞了，今天四肢都冇么里力气，说等下个月复查再说",
    ],
    "neurovascular": [
        "個女打咗石膏，今晚啲手指好凍，變晒紫藍色，痺痺哋",
        "no pulse at my wrist since the fall and the hand's gone pale",
    ],
    "open_fracture": [
        "跌亲之后前臂弯咗，伤口入面见到少少白色嘅骨",
        "caught his finger in the car door, the skin split and you can see something white inside",
        "fell skiing, his shin is at an angle and there is a small hole where the bone is pushing from inside",
        "his finger got caught in the winch, it's crooked with bone pokin' out the side",
        "小腿弯咗，皮穿咗个窿，见到有啲白白硬硬嘅嘢露出嚟",
        "log rolled his ankle, there's a bone end poking right through his sock",
    ],
    "septic_joint": [
        "my 4yo has a temp since last night (38.9 this morning), refusing to stand, cries when I move her hip",
    ],
    "spinal_infection": [
        "pt 61F on tacro after renal tx, LBP x4d, T 38.4 tonight",
    ],
    "stroke": [
        "we are used to his back pain but tonight his right side went weak all of a sudden",
        "her mouth is turning to one side and her speech is slurred since an hour",
        "老公公讲闲话含含糊糊，嘴巴也歪了，肩膀老毛病多年了",
        "grandpa's left leg and left arm went week all at once and his speech is slirred",
        "she was talkin all slurry like she'd had a drink and her mouth was droopin",
        "阿爷讲嘢口齿唔清，把口有啲歪",
        "俺爹今早起来说话拌蒜，嘴有点往一边歪歪",
        "this morning her left arm is weak and the face on the left side is drop down, when she talk it is not clear",
    ],
}


ROUND_22_DECOYS = [
    "我腰疼好几年了，前年摔过一跤，现在变天就酸",  # an old fall is no fresh injury
    "上个月摔断了手腕，打了石膏，今天该复查了，挂哪个科",  # a month-old fracture's review is routine
    "my ankle is swollen and very hard to walk on after the sprain",  # "hard to", not hard swelling
    "cant do up my buttons since i cut my thumb on a tin",
    "I used to play rugby, my knee aches on stairs",
    "we are used to his knee pain, it is the same as always",
    "前天搬东西胸口撞到桌角，按着疼，深吸气有点疼，不喘，没别的",  # a chest-wall knock, breath denied
    "腰疼，不过大小便都正常，腿也不麻",
    "被牛顶了一下，屁股青了一块，走路没事",
    "打篮球拉伤大腿，酸痛，走路正常",
    # round 24
    "walked into a door frame yesterday, right side of my chest is sore to press, not short of breath",
    "前年骑摩托摔了胳膊骨折上了钢板，现在都长好了，想问钢板啥时候取",
    "numb thumb and fingers at night, I shake the hand to get the feeling back",
    # round 25
    "孩子九岁，滑雪摔了几跤，小腿有两块青，教练也看见了，走路正常",
    "broke my ankle twenty year ago, plate in, healed up, aches when the weather turns",
    # round 26
    "training for the half marathon, both shins ache after runs, no swelling, shin splints?",
    # round 27
    "宝宝四个月了，我天天抱娃，右手腕大拇指这边疼，是不是妈妈手",
    # round 28: a child's bruise from a fall the teacher saw (the net no longer judges these)
    "我是班主任，亲眼看到一个六岁的小朋友跑步摔倒，小腿前面一块瘀青，还能跑能跳",
    "ah sure boy, my knee is grand, just a bit stiff after the walk",
    # round 29: Osgood-Schlatter and growing pains are no growing mass; a knee replacement bending to 95 is no calf pain
    "my son is 12 and plays football, he has a bony bump just below both kneecaps that hurts when he kneels",
    "she is 10, doctor said growing pains, legs ache at night sometimes, runs around fine all day",
    "knee replaced 3 weeks ago, still a bit swollen, calf soft and not sore, bending to about 95",
    "打乒乓球肋巴扇怼球台角上了，按着疼，喘气一点不费劲，不憋得慌",
    # round 30
    "I want to talk to someone, the doctor's words were not clear about my back",
    "knee replacement 10 days ago, bending is 80 degrees, calf soft and the same size as the other",
    "阿拉囡囡五岁，荡秋千跌下来，我就立在旁边看见的，小腿乌青两块，今朝蹦蹦跳跳",
]


def test_an_achilles_rupture_told_without_the_word_is_urgent() -> None:
    """A 'gunshot' at the heel, then no push-off, no tiptoe and a gap above the heel (round 26, blind batch AE)."""
    r = assess("felt a gunshot at the back of my heel playing squash, can't stand on tiptoe, gap just above the heel")
    assert r.urgency == "urgent", (r.urgency, r.evidence[-2:])


def test_a_fresh_fracture_sent_to_fracture_clinic_is_urgent() -> None:
    """The ED put on a cast two days ago and asked for fracture clinic within 72 h (BOA): urgent, not routine."""
    r = assess("昨天摔断了手腕，急诊打了石膏托，医生讲两日内来骨科门诊复查，手指头会动，不麻不冷")
    assert r.urgency == "urgent", (r.urgency, r.evidence[-2:])


def test_a_tie_between_departments_is_broken_the_same_way_every_time() -> None:
    """Scores were summed in frozenset order, so a tie (hand 4 : trauma 4) went either way between processes."""
    import subprocess
    import sys
    code = ("from osteon.triage.engine import assess;"
            "print(assess('右手腕摔后肿痛1天，手掌撑地，鼻烟窝压痛明显，外院拍片说没看到骨折').department)")
    answers = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout.strip() for seed in (1, 2, 3, 4, 5)}
    assert len(answers) == 1, answers


def test_an_old_elderly_fall_with_a_short_turned_out_leg_is_an_emergency() -> None:
    """"mrs kowalski 88 … can't get up … leg looks shorter and turned out": the age is read from name and number."""
    r = assess("resident mrs novak 91 found on the floor, fell overnight, can't get up, right leg looks shorter and turned out")
    assert r.urgency == "emergency" and any(e.get("rule") == "hip_fracture_older" for e in r.evidence), r.evidence[-2:]


# Round 31 (blind batches AJ and AK): new phrasings of what they missed, none of them a batch sentence.
ROUND_31 = {
    "compartment": ["kicked in the calf at football this afternoon, calf is rock hard, when my dad bends my toes back I hit the roof"],
    "stroke": ["his mouth is twisting to the left when he speaks, it started ten minutes ago"],
    "cauda_equina": [
        "back pain two weeks, today she passed stool on herself and did not notice",
        "老爷子腰疼老毛病了，今早尿床了自个儿都不知道",
    ],
    "neurovascular": ["fell on his outstretched arm, elbow swollen, his fingers look paler than the other hand"],
    "spinal_infection": ["spine surgery 3 weeks ago, back pain worse again, temps of 38.6 at night, I take prednisolone"],
    # an age said as a birthday ("just turned 2") makes bruises on the ears a TEN-4 sign
    "child_safeguarding": ["the little one just turned 2, she has bruises on both ears and on her tummy, nobody knows how"],
}


ROUND_31_DECOYS = [
    # an unchanged old deficit, DDH creases, a weather ache, a complaint getting better: not the net's to judge
    "脑梗三年了，右边手脚一直没劲，一直这样没变化，想做康复",
    "宝宝三个月，洗澡时发现屁股纹好像不对称，吃奶正常也不哭",
    "十几年前摔断过小腿，早就长好了，一到下雨天就酸",
    "knee replacement 6 days ago, the pain is getting better every day, calf soft, no fever",
    # a bra (胸围) is no chest; sleep is no fall; 冒得 is 湘 "not"; heartburn is no fever
    "我扣胸围嘅时候膊头好痛，手举唔高成半年",
    "fell asleep on the sofa with my arm under me, woke up with it numb and tingling, fine after an hour",
    "伢子膝盖有点痛，冒得发烧，跑跳都冒得问题",
    "食完饭心口有啲烧，反酸，我腰骨都有啲痛",
    # bruises of several ages only on a walking child's shins; a back strained lifting with the cauda screen answered
    "幼儿园小朋友四岁，两条小腿前面好几块青，新旧都有，天天爬上爬下，精神好",
    "今天早上搬箱子腰闪了，直不起腰，小便正常，腿不麻",
    # an operation's incision is no cut
    "换膝盖一周了，刀口干干净净的，膝盖还有点肿，小腿不肿",
]


def test_a_back_strain_with_a_bladder_change_is_still_the_nets_to_judge() -> None:
    """The back-strain veto needs the bladder said to be normal: a bladder change keeps the rules' cauda equina."""
    r = assess("今天早上搬箱子腰闪了，直不起腰，小便解不出来")
    assert r.urgency == "emergency" and "cauda_equina" in r.red_flags, r.red_flags


@pytest.mark.parametrize(("vetoed", "judged"), [
    ("脑梗三年了，右边手脚没劲，一直这样没变化，想做康复", "脑梗三年了，右边手脚没劲，想做康复"),
    ("宝宝三个月，大腿皮纹不对称，吃奶正常", "宝宝三个月，大腿不对称，吃奶正常"),
    ("十年前摔断过小腿，一到下雨天就酸", "十年前摔断过小腿，这两天酸"),
    ("换膝盖一周了，膝盖酸痛，一天比一天好", "换膝盖一周了，膝盖酸痛，这几天走路多"),
    ("今天早上搬箱子腰闪了，直不起腰，小便正常", "今天早上搬箱子腰闪了，直不起腰"),
    ("四岁小朋友两条小腿前面好几块青，天天爬上爬下", "四岁小朋友身上好几块青，天天爬上爬下"),
    # round 38: a diabetic foot wound with fever, redness and smell denied (urgent by the rules, NICE NG19)
    ("糖尿病十年了，脚底有个伤口一个多月不好，不发烧，不红不臭", "糖尿病十年了，脚底有个伤口一个多月不好"),
    # round 37: a new foot drop with bladder and bowel said to be normal
    ("卧床的老人这两天脚背翘不起来，走路拖脚，大小便都正常", "卧床的老人这两天脚背翘不起来，走路拖脚"),
    # the English net (session 2026-12-06): a healing fracture seen after the cast came off
    ("my son's cast came off yesterday after his wrist fracture, the arm looks thin and stiff",
     "my son's wrist fracture, the arm looks thin and stiff since yesterday"),
])
def test_the_net_does_not_judge_a_vetoed_story(monkeypatch: pytest.MonkeyPatch, vetoed: str, judged: str) -> None:
    """red_flags.yaml safety_net_vetoes: with a net that raises everything, the vetoed story stays as the rules left it
    and the same story without the veto's words is raised. (The nets judge only texts long enough: safety_net.language.)"""
    net = load_net()
    monkeypatch.setattr(engine, "load_net", lambda: net.with_threshold(0.0))
    assert assess(vetoed).urgency != "emergency", assess(vetoed).evidence[-1:]
    assert assess(judged).urgency == "emergency"


# Round 32 (blind batch AO): new phrasings of what it missed or over-raised, none of them a batch sentence.
ROUND_32 = {
    "acute_coronary": ["my father 66 has pain in the left arm since 30 min and some uneasiness in the chest, breathlessness on walking"],
    "dvt": ["Bed 7, 79M, POD4 total hip. R calf swollen and tender, bigger than the left"],
}


ROUND_32_DECOYS = [
    # chest pain brought on by pressing after exertion, breathlessness denied: chest wall
    "did 100 push-ups yesterday, my right chest hurts when I press on it, not short of breath, no sweating",
    "昨天搬了一下午花盆，今天左边胸口按着痛，不喘，也没出汗",
    # a cut finger that will not bend is an urgent cut tendon; dizziness alone; the ward's absorption fever
    "削苹果割到了右手中指，血止住了，可是中指最后一节弯不下去",
    "早上起床一转头就天旋地转，几十秒就好，手脚有劲，说话清楚",
    "换髋关节术后第1天，体温37.9度，医生说是吸收热，伤口不红",
]


@pytest.mark.parametrize(("text", "department", "urgency"), [
    ("阮阿公手袂灵活，纽仔扣袂起来，行路若踏着膨纱", "spine", "urgent"),  # 闽: myelopathy
    ("我爸抽了几十年烟，肋骨疼，一到黑了疼得更厉害，人瘦得皮包骨", "bone_tumor", "urgent"),  # night pain, weight loss
    ("my back went bending to pick up my son, no pain down the legs", "spine", "routine"),  # the son is not the patient
    ("我个BB四个月，对脚有啲O型，踢得好有力", "pediatric", "routine"),  # 粤 BB is a baby
    ("仔仔十二岁踢波，膝头下面鼓起个包，跪低就痛", "pediatric", "routine"),  # Osgood-Schlatter
])
def test_round_32_department_and_urgency(text: str, department: str, urgency: str) -> None:
    r = assess(text)
    assert (r.department, r.urgency) == (department, urgency), (text, r.department, r.urgency, r.alternatives)


# Round 33 (blind batch AN): new phrasings of what it missed or over-raised, none of them a batch sentence.
ROUND_33 = {
    "cauda_equina": ["my father has back pain for a week, since last night no control on motion and both legs weak"],
    "acute_coronary": ["my uncle 60 has pain in his jaw and left arm since this morning and is short of breath climbing one step"],
    "high_energy_trauma": ["a worker came off the roof, about second storey, now his lower back is sore but he is walking"],
    "septic_joint": ["my son is 5, hotness of body for two days and now he cannot walk, crying for his left hip"],
    "stroke": ["mum sounds strange on the phone, like she has been drinking, and she can't lift her left arm since lunch"],
}


ROUND_33_DECOYS = [
    "after heavy bench press my left chest and armpit are sore, pressing on the muscle hurts, breathing is fine",
    "发烧两天，咳嗽，喉咙痛，全身骨头酸痛，腰也痛，家里人都感冒了",  # flu aches, not a spinal infection
    "脖子后面的富贵包越来越大，不痛不麻，想问能不能消掉",  # a dowager's hump that grows is a fat pad
    "腿上打着石膏一个礼拜了，里面痒得要命，晚上痒得睡不着，脚趾头热乎乎的能动",  # a cast that itches
]


# Round 34 (blind batches AL and AM): new phrasings of what they missed or over-raised, none of them a batch sentence.
ROUND_34 = {
    "spinal_infection": ["dad is diabetic on insulin, his back has been getting worse for ten days and he's running temps at night"],
    "neurovascular": ["his leg got pinned between a reversing car and the wall, the foot has gone bluey-grey and tingly"],
    "septic_joint": ["my 2 y/o had a fever of 39 last night and today won't put weight on her right leg"],
    "high_energy_trauma": ["she went over the edge of the loading bay, about 3 metres, and her back hurts in the middle"],
    "cauda_equina": ["sciatica in both legs now and I couldn't wee properly since this morning, it feels odd when I wipe"],
    "child_safeguarding": ["toddler aged 2 with burns in a grid pattern on both hands, the boyfriend says he touched the heater"],
}


ROUND_34_DECOYS = [
    "passed out on the sofa after a few beers with my arm over the edge, woke with it dead, fine after ten minutes",
    "cut my thumb on a broken glass in the sink, small cut, bleeding stopped",  # broken glass is no broken bone
    "my leg was plated after a break eight years ago, long healed, the calf aches when it is cold",  # no VTE risk today
    "rear-ended at walking pace in a car park yesterday, a bit of a stiff neck, no numbness",
    "老毛病痛风又犯了，大脚趾红肿，被子碰一下都疼，没发烧",  # a known gout flare
    "我奶奶八十了，前天没坐稳一屁股墩在地上，腰疼，大小便正常，腿不麻",  # a low fall onto the bottom: urgent
    "最近手不灵活，写字歪七扭八，走路像踩棉花",  # myelopathy is urgent, 歪七扭八 is no twist injury
]


# Round 35 (blind batch AP, after its untuned scoring)
ROUND_35 = {
    "compartment": ["he slept on his arm drunk all night, the forearm is tight like a balloon, pain is insane when we straighten his fingers"],
    "open_fracture": ["fell off a step, the wrist looks like a fork and there is a puncture hole over the bump, bleeding"],
}


def test_a_gym_chest_strain_pressed_sore_is_not_the_nets_to_raise() -> None:
    """粤: pain on moving and on pressing after bench press, no breathlessness or sweating (chest.wall veto)."""
    r = assess("琴日喺健身房推胸，左边心口一郁就痛，按落去都痛，冇气喘，冇出汗")
    assert r.urgency != "emergency", r.evidence[-1:]


# Session 2026-12-06 (blind batch AQ, after its untuned scoring): new phrasings, none of them a batch sentence
ROUND_36 = {
    "cauda_equina": [
        "my lower back has been killing me for a week and my poop comes out without me knowing",
        "her back has been bad for days and she can't control her bladder anymore",
    ],
    "septic_joint": [
        "my son's knee is red and swollen, he won't walk on it and has a temp of 102F",  # Fahrenheit
        "my grandad's knee is hot and swollen and he measured 38.9 this morning, can't bend it",  # no unit
    ],
}


ROUND_36_DECOYS = [
    "there is a bone coming out sideways at the base of my big toe, no injury, it rubs on my shoes",  # a bunion
    "stepped on a broken beer bottle, small cut on the sole, bleeding stopped",  # a broken bottle is no broken bone
    "I can't hold my pee when I sneeze since having the baby, no back pain",
    "my daughter is 12, weighs 38.5 kg, knee hurts after netball, no swelling",
    "I had a slipped disk years back, now my back aches after gardening, no leg numbness",
]


# Session 2026-12-06, round 37 (blind batches AR and AS, after their untuned scoring): new phrasings, none of them a
# batch sentence — urgent injuries the rules left routine, a pathological fracture, and the decoys they over-raised
ROUND_37_URGENCY = [
    ("我妈得过肺癌，这几个月胳膊晚上疼，今天提水壶咔一声，胳膊动不了了", "emergency"),  # pathological fracture
    ("打羽毛球转身膝盖嘣一声，马上就肿了，今天走路打软腿", "urgent"),  # acute haemarthrosis (ACL)
    ("昨天踢球膝盖扭了，听到啪一声，一下子肿起来了", "urgent"),
    ("jogging this morning felt a pop at the back of my ankle, now I can't go up on my toes on that side", "urgent"),
    ("tripped on the stairs this morning and put my hand out, my wrist is swollen, fingers move fine", "urgent"),
    # decoys: a question about a sign not had, flu aches in a child running around, an old fracture in the cold,
    # a fever that is over
    ("what if her calf swells on the flight? she had a hip replacement in March and is doing great", "routine"),
    ("my 8 year old has flu, 38.4, says his legs hurt, but he is running around the flat", "routine"),
    ("old fracture of the shin from 2015 with a nail in it, aches when it is cold outside", "routine"),
    ("the fever's gone since yesterday but his knee is a bit sore after he fell at football", "routine"),
]


# Round 38 (blind batches AT and AU, after their untuned scoring)
ROUND_37_URGENCY += [
    ("阿拉娘舅肠癌开过刀，最近大腿夜里痛，今朝立起来咔一记，脚动勿了", "emergency"),  # 吴: a pathological fracture
    ("slipped and fell at the rink, landed on my hand, my wrist hurts at the base of the thumb when I grip", "urgent"),
    ("grandpa swung the toddler round by her hands and now she won't use her right arm", "urgent"),  # pulled elbow
    ("my husband lifted our 3 year old up by the hands and now she won't use her right arm", "urgent"),
    # decoys: an episode that is over ("full recovery", "all normal … discharged"); 闽 烧烧 after a toe is warmth
    (("two years ago I had cauda equina with bladder trouble and an operation, full recovery, now I just want physio for "
     "a stiff back"), "routine"),
    (("my sister had chest pain last month, the ECG and bloods were all normal and she was discharged, now her knee "
     "hurts after running"), "routine"),
    ("阿公跋倒，骹头趺肿肿，骹指头烧烧，会行", "urgent"),
]


@pytest.mark.parametrize(("text", "urgency"), ROUND_37_URGENCY)
def test_round_37_urgency(monkeypatch: pytest.MonkeyPatch, text: str, urgency: str) -> None:
    """By the rules alone (the net switched off)."""
    net = load_net()
    monkeypatch.setattr(engine, "load_net", lambda: net.with_threshold(2.0))
    r = assess(text)
    assert r.urgency == urgency, (text, r.urgency, r.red_flags, r.evidence[-2:])


@pytest.mark.parametrize(("text", "department"), [
    ("孩子拉稀三天，肚子有点痛，腰腿都跟平时一样", "other"),  # a body part "as usual" is not the complaint
    ("Mum has a tummy bug and the runs, her back's the same as always, no fever", "other"),
    ("我们屋头老汉儿这两天拉稀，没发烧", "other"),  # 川渝 屋头 is "at home", not the head
])
def test_round_37_a_part_said_to_be_as_usual_is_not_the_complaint(text: str, department: str) -> None:
    assert assess(text).department == department, (text, assess(text).alternatives)


ROUNDS = (ROUND_22, ROUND_31, ROUND_32, ROUND_33, ROUND_34, ROUND_35, ROUND_36)


@pytest.mark.parametrize(("code", "text"), [(c, t) for r in ROUNDS for c, ts in r.items() for t in ts])
def test_round_phrasings_raise_the_red_flag(monkeypatch: pytest.MonkeyPatch, code: str, text: str) -> None:
    """By the rules alone (the net switched off), so the data files are what is tested."""
    net = load_net()
    monkeypatch.setattr(engine, "load_net", lambda: net.with_threshold(2.0))
    r = assess(text)
    assert r.urgency == "emergency" and code in r.red_flags, (text, r.urgency, r.red_flags)


@pytest.mark.parametrize(
    "text", ROUND_22_DECOYS + ROUND_31_DECOYS + ROUND_32_DECOYS + ROUND_33_DECOYS + ROUND_34_DECOYS + ROUND_36_DECOYS
)
def test_round_decoys_stay_non_emergency(text: str) -> None:
    r = assess(text)
    assert r.urgency != "emergency", (text, r.red_flags, r.evidence[-1:])
