"""Extraction: negation and uncertainty scopes, laterality, duration, severity, mechanism, age, sex, English."""

import pytest

from osteon.triage.extract import extract


def _state(text: str, concept: str) -> str:
    """'pos', 'neg', 'unc' or 'absent' for a concept in text."""
    fs = [f for f in extract(text).findings if concept in f.tags]
    if not fs:
        return "absent"
    f = fs[0]
    return "neg" if f.negated else "unc" if f.uncertain else "pos"


@pytest.mark.parametrize(
    ("text", "concept", "state"),
    [
        ("腰疼但腿不麻", "sym.numbness", "neg"),
        # a space between Chinese characters is the patient's comma: 不 in 翻不了身 does not reach 发烧
        ("后腰疼的翻不了身 天天发烧", "sym.fever", "pos"),
        ("翻不了身，不发烧", "sym.fever", "neg"),
        # the saddle pattern 下面…麻 does not read through a negator
        ("尿尿正常，下面也不麻", "sym.saddle_anaesthesia", "absent"),
        ("腰疼，下面麻麻的", "sym.saddle_anaesthesia", "pos"),
        ("腰疼但腿不麻", "sym.pain", "pos"),
        ("没有发烧", "sym.fever", "neg"),
        ("莫得发烧", "sym.fever", "neg"),
        ("冇发烧", "sym.fever", "neg"),
        ("发烧没有", "sym.fever", "neg"),
        ("大小便都正常", "sym.bladder_bowel", "neg"),
        ("不红不烫", "sym.warmth", "neg"),
        ("腿伐麻", "sym.numbness", "neg"),
        ("no numbness", "sym.numbness", "neg"),
        ("without fever", "sym.fever", "neg"),
        ("好像有点发烧", "sym.fever", "unc"),
        ("可能有点麻", "sym.numbness", "unc"),
        ("腿使不上劲", "sym.weakness", "pos"),
        ("腿没感觉", "sym.numbness", "pos"),
        ("疼得睡不着", "sym.severe_pain", "pos"),
        ("没发烧，腿疼得走不了", "sym.cannot_walk", "pos"),
        # a hyphenated prefix negates its own word (session 2026-12-07, fourth: CL's district nurse's DVT)
        ("calf non-tender", "sym.tender", "neg"),
        ("R calf (non-operated side) swollen, warm and tender", "sym.swelling", "pos"),
        ("non swollen calf", "sym.swelling", "neg"),
    ],
)
def test_negation_and_uncertainty_scopes(text: str, concept: str, state: str) -> None:
    """Negation cues negate forward in their clause; contrast words and commas end the scope."""
    assert _state(text, concept) == state


def test_negation_scope_ends_at_contrast_word() -> None:
    """不麻，但是疼: the pain after 但是 is positive."""
    ex = extract("腿不麻，但是疼得厉害")
    assert [f.negated for f in ex.findings if f.concept == "sym.numbness"] == [True]
    assert any(not f.negated for f in ex.findings if "sym.pain" in f.tags)


def test_laterality_attaches_to_site_and_symptom() -> None:
    """右边腿 -> right leg, and the radiating pain is said about it."""
    ex = extract("腰疼，右边腿后面窜着疼")
    leg = next(f for f in ex.findings if f.concept == "site.leg")
    rad = next(f for f in ex.findings if f.concept == "sym.radiation")
    assert leg.laterality == "right"
    assert rad.site == "site.leg" and rad.laterality == "right"


def test_bilateral_words() -> None:
    """两条腿 is bilateral."""
    ex = extract("两条腿都麻")
    assert next(f for f in ex.findings if f.kind == "site").laterality == "bilateral"


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("三个多月", 90),
        ("半年", 182.5),
        ("2周", 14),
        ("两天", 2),
        ("一年半", 547.5),
        ("十几天", 15),
        ("昨天开始", 1),
        ("for 3 weeks", 21),
        ("半个月", 15),
    ],
)
def test_duration(text: str, days: float) -> None:
    """Durations in Chinese numerals, digits, 半, 多 and English."""
    assert extract(f"腰疼{text}").duration_days == pytest.approx(days, rel=0.05)


@pytest.mark.parametrize(("text", "sev"), [("疼痛8分", 8), ("pain 7/10", 7), ("大概3分", 3)])
def test_numeric_severity(text: str, sev: int) -> None:
    """NRS 0-10."""
    assert extract(text).severity == sev


def test_severe_words_mark_severity() -> None:
    """疼得睡不着 / 贼疼 carry the severe tag."""
    for text in ("疼得睡不着", "贼疼", "痛煞了", "痛得遭不住"):
        assert any("sev.severe" in f.tags for f in extract(text).findings), text


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("出车祸了", "mech.traffic"),
        ("遭车撞了", "mech.traffic"),
        ("打篮球扭了", "mech.sport"),
        ("从二楼摔下来", "mech.fall_height"),
        ("从3米高的地方摔下来", "mech.fall_height"),
        ("跶了一跤", "mech.fall"),
        ("跌亲", "mech.fall"),
        ("掼了一跤", "mech.fall"),
        ("fell off a ladder about 3 meters", "mech.fall_height"),
        ("fell off a ladder", "mech.fall"),
    ],
)
def test_mechanisms(text: str, concept: str) -> None:
    """How it happened, including fall height from floors or metres."""
    assert any(f.concept == concept for f in extract(text).findings)


def test_fall_from_first_floor_is_not_high() -> None:
    """Stepping off the ground floor is not a fall from height."""
    assert not any(f.concept == "mech.fall_height" for f in extract("在1楼摔了一跤").findings)


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("我今年六十八", 68),
        ("孩子3岁", 3),
        ("宝宝6个月", 0.5),
        ("8个月大的宝宝", 8 / 12),
        ("两岁半", 2.5),
        ("65了，膝盖疼", 65),
        ("my 3 year old", 3),
        ("I'm 72", 72),
        ("七十多岁", 70),
    ],
)
def test_age(text: str, age: float) -> None:
    """Age in years or months, numerals or digits."""
    assert extract(text).age == pytest.approx(age, rel=0.01)


def test_person_words_give_assumed_age_group() -> None:
    """娃儿 without an age means a child; 我妈 an older adult; 抱孩子 is not the patient."""
    assert extract("娃儿脚痛").age_assumed == "child"
    assert extract("我妈膝盖疼").age_assumed == "older"
    assert extract("抱孩子以后手腕疼").age_assumed is None


@pytest.mark.parametrize(
    ("text", "sex"), [("男的，25岁", "male"), ("我是女的", "female"), ("my son", "male")]
)
def test_sex(text: str, sex: str) -> None:
    """Sex when stated."""
    assert extract(text).sex == sex


def test_temperature_over_threshold_is_fever() -> None:
    """38度5 is a fever; 36.5度 is a denied fever."""
    assert any(f.concept == "sym.fever" and not f.negated for f in extract("烧到38.5度").findings)
    assert any(f.concept == "sym.fever" and f.negated for f in extract("体温36.5度").findings)


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("早上量了一下39.2，膝盖肿", "pos"),  # a reading without its unit
        ("he measured 38.9 in the morning", "pos"),
        ("temp 102F since last night", "pos"),  # Fahrenheit: 38.9 ℃
        ("temp was 98.6 f", "neg"),  # 37.0 ℃
        ("体重38.5公斤，膝盖痛", "absent"),  # a weight, a length, an age are no temperature
        ("she weighs 38.5 kg", "absent"),
        ("my boy is 36.5 inches tall and 37.5 lbs", "absent"),
    ],
)
def test_temperature_without_a_unit_and_in_fahrenheit(text: str, state: str) -> None:
    """Session 2026-12-06: a bare one-decimal reading of 35.0-42.9 and a reading in Fahrenheit are temperatures."""
    assert _state(text, "sym.fever") == state


@pytest.mark.parametrize(
    ("text", "concept", "state"),
    [
        # a body part said to be as usual (cues.yaml site_normal_post) — not after a symptom
        ("Back is fine.", "site.low_back", "neg"),
        ("his back is the same as always", "site.low_back", "neg"),
        ("her back's no worse than usual", "site.low_back", "neg"),
        ("腰杆脚杆都跟往常一样", "site.leg", "neg"),
        ("my back pain is the same as always", "sym.pain", "pos"),
        # a fever, a swelling that is over (gone_post) — not one brought down or back, not a loss that is the sign
        ("fever gone for 4 days", "sym.fever", "neg"),
        ("烧已经退了", "sym.fever", "neg"),
        ("fever went down with calpol but now he won't walk", "sym.fever", "pos"),
        ("烧退了又烧起来", "sym.fever", "pos"),
        ("my bladder control is gone", "sym.bladder_bowel_general", "pos"),
        # a sign asked about, not had
        ("what if her leg swells on the long flight", "sym.swelling", "neg"),
        ("万一腿肿了怎么办", "sym.swelling", "neg"),
    ],
)
def test_round_37_normal_parts_fevers_that_are_over_and_hypotheticals(text: str, concept: str, state: str) -> None:
    """Session 2026-12-06 (blind batches AR and AS)."""
    assert _state(text, concept) == state


def test_local_heat_after_site_is_not_fever() -> None:
    """膝盖发热 = the knee feels hot."""
    concepts = [f.concept for f in extract("膝盖发热").findings]
    assert "sym.warmth" in concepts and "sym.fever" not in concepts


def test_english_sentence() -> None:
    """English input works."""
    ex = extract("lower back pain for 3 weeks, shooting down my right leg, no numbness")
    concepts = {f.concept: f for f in ex.findings}
    assert "site.low_back" in concepts and "sym.radiation" in concepts
    assert concepts["sym.numbness"].negated
    assert ex.duration_days == 21


def test_site_with_only_denied_symptoms_is_not_affected() -> None:
    """腰不疼 means the back is not the problem."""
    ex = extract("脚麻，有糖尿病，腰不疼")
    assert next(f for f in ex.findings if f.concept == "site.low_back").negated


def test_family_history_is_not_the_patients() -> None:
    """我妈得过乳腺癌，我自己膝盖疼: the cancer belongs to the mother."""
    ex = extract("我妈以前得过乳腺癌，我自己膝盖疼")
    cancer = next(f for f in ex.findings if "ctx.cancer" in f.tags)
    assert cancer.negated and cancer.source == "family"


def test_simile_is_not_a_mechanism() -> None:
    """胸口像压了块大石头 is chest pressure, not a crush injury."""
    concepts = {f.concept for f in extract("胸口像压了块大石头").findings}
    assert "mech.crush" not in concepts and "sym.chest_tightness" in concepts


@pytest.mark.parametrize(
    ("text", "concept", "state"),
    [
        # a post-negation cue that opens the next (space-separated) clause negates what follows it, not what precedes
        ("阿爸瘦了好多 冇么个胃口", "sym.weight_loss", "pos"),
        ("发烧 没有", "sym.fever", "neg"),
        # 闽南: 足 is "very" (足久, 足艰苦), 骹头趺 is the knee, 暗时 is night
        ("阿嬷骹头趺痛足久", "site.foot_region", "absent"),
        ("阿嬷骹头趺痛足久", "site.knee", "pos"),
        ("大腿有粒肿肿 暗时会痛", "sym.night_pain", "pos"),
        # English: cannot / can not / can't are one form
        ("i cannot feel when i wipe", "sym.saddle_anaesthesia", "pos"),
        ("my son is 3 months, bruise on his cheek", "sym.bruise", "pos"),
    ],
)
def test_round_8_dialect_and_english_readings(text: str, concept: str, state: str) -> None:
    assert _state(text, concept) == state


@pytest.mark.parametrize(("text", "age"), [
    ("我29岁，宝宝刚4个月，抱孩子手腕痛", 29.0),  # the writer's own age, not the baby's
    ("31f, runner, outside of my knee hurts", 31.0),
    ("my son 17 play basketball, knee swollen", 17.0),
    ("My son runs cross-country, 16. Both calves are sore", 16.0),
    ("my son 3 days ago fell and hurt his arm", None),
])
def test_round_18_ages(text: str, age: float | None) -> None:
    assert extract(text).age == age


def test_a_young_adult_word_is_not_a_child() -> None:
    """后生伢子 is a young man (湘): not 伢子, a child."""
    ex = extract("后生伢子，腰背早上僵得很")
    assert ex.age_assumed is None
    assert extract("伢子腰背痛").age_assumed == "child"



@pytest.mark.parametrize(("text", "concept"), [("腿也不是不麻", "sym.numbness"), ("并不是不疼", "sym.pain"),
                                               ("也不是没感觉，就是木木的", "sym.numbness")])
def test_double_negation_affirms(text: str, concept: str) -> None:
    """不是不麻: two negations in a row mean the patient has it (round 18)."""
    found = [f for f in extract(text).findings if f.concept == concept]
    assert found and not any(f.negated for f in found), [(f.concept, f.negated) for f in extract(text).findings]


def test_a_single_negation_still_negates() -> None:
    assert all(f.negated for f in extract("腿不麻，不是很疼").findings if f.concept == "sym.numbness")


@pytest.mark.parametrize(("text", "days"), [
    ("两年前换了膝关节，疼了三天", 3.0),  # the operation's date is not the complaint's duration
    ("去年做了手术，这两天又疼", 2.0),
    ("two years ago i had my knee replaced, it has been sore for 3 days", 3.0),
    ("三天前开始腰疼", 3.0),  # an onset is
    ("两周前摔了一跤，膝盖一直疼", 14.0),  # and so is the injury that started it
])
def test_a_date_of_an_operation_is_not_the_duration(text: str, days: float) -> None:
    assert extract(text).duration_days == days


# Round 39 (session 2026-12-07): a diagnosis feared or looked up, a sign asked about for later, a past time that
# dates the cancer


def _cancer(text: str) -> list[tuple[bool, str]]:
    return [(f.negated, f.source) for f in extract(text).findings if f.concept == "ctx.cancer"]


@pytest.mark.parametrize("text", [
    "my sister read online that knee pain like this could be bone cancer",
    "she is scared it might be cancer, the heel hurts in the morning",
    "网上查了说会不会是骨癌，吓得睡不着",
    "我妈担心是癌，其实就是膝盖疼",
])
def test_a_cancer_only_feared_is_no_cancer_history(text: str) -> None:
    assert _cancer(text) and all(c == (True, "feared") for c in _cancer(text)), _cancer(text)


@pytest.mark.parametrize("text", [
    "I had breast cancer in 2019 and I am worried my back pain is it coming back",  # a past cue: she had it
    "the doctor thinks it could be bone cancer, the thigh aches at night",  # a clinician's suspicion
    "片子上看，医生说是不是骨癌还要做活检",
    "肺癌化疗中，腰痛一个月",
])
def test_a_cancer_had_or_suspected_by_a_clinician_stays(text: str) -> None:
    assert _cancer(text) and not any(neg for neg, _ in _cancer(text)), _cancer(text)


@pytest.mark.parametrize(("text", "concept"), [
    ("My back is fine now. What if my leg goes numb on the long flight, what should I do?", "sym.numbness"),
    ("要是尿不出来了怎么办？现在都正常", "sym.bladder_retention"),
    ("万一伤口化脓发烧了咋办", "sym.fever"),
])
def test_a_sign_asked_about_for_later_is_not_had(text: str, concept: str) -> None:
    found = [f for f in extract(text).findings if f.concept == concept]
    assert found and all(f.negated for f in found), [(f.concept, f.negated, f.source) for f in extract(text).findings]


@pytest.mark.parametrize(("text", "concept"), [
    ("如果走多了腿就麻，怎么办", "sym.numbness"),  # 如果 introduces a real pattern, not a hypothetical
    ("if I walk more than 100 metres my legs go numb, what should I do", "sym.numbness"),
    ("腿麻了，万一是腰椎的问题", "sym.numbness"),  # the sign comes before the 'if'
])
def test_a_real_complaint_with_an_if_stays(text: str, concept: str) -> None:
    found = [f for f in extract(text).findings if f.concept == concept]
    assert found and not all(f.negated for f in found), [(f.concept, f.negated) for f in extract(text).findings]


def test_a_past_time_in_the_cancers_clause_dates_the_cancer() -> None:
    ex = extract("Prostate cancer treated 6 years ago. This week my legs have gone weak")
    past = [f for f in ex.findings if f.concept == "ctx.past_event"]
    assert past and all(f.negated and f.source == "dates" for f in past)
    ex = extract("Prostate cancer treated. My legs went weak 6 years ago, fine since")  # the weakness's own date stays
    assert any(f.concept == "ctx.past_event" and not f.negated for f in ex.findings)


@pytest.mark.parametrize("text", ["小腿好好的突然肿了，刚做完膝关节置换", "his leg was fine then suddenly swelled after the knee replacement"])
def test_fine_then_suddenly_keeps_the_site(text: str) -> None:
    """好好的突然 is "out of the blue": the site right before it is the complaint, not one said to be fine."""
    sites = [f for f in extract(text).findings if f.kind == "site" and f.concept in ("site.calf", "site.leg")]
    assert sites and not any(f.negated for f in sites), [(f.concept, f.negated) for f in extract(text).findings]


@pytest.mark.parametrize(("text", "age"), [
    # round 76: years and months are an age when said as one ("is", a bracket, a comma, "old", 岁…个月)…
    ("my daughter is 2 years and 4 months, bruises on her shins", 2 + 4 / 12),
    ("Nursery note: Child A (2y 5m) arrived with bruising", 2 + 5 / 12),
    ("he is 3 years 2 months old", 3 + 2 / 12),
    ("女儿2岁4个月，腿上有块青", 2 + 4 / 12),
    # … and a duration is not ("back pain for 2 years 3 months" is no toddler)
    ("back pain for 2 years 3 months, worse now", None),
])
def test_years_and_months_are_an_age_only_when_said_as_one(text: str, age: float | None) -> None:
    got = extract(text).age
    assert (got is None) if age is None else got == pytest.approx(age)
