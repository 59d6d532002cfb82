"""Red-flag rules: several patient phrasings per flag, and decoys that must not fire."""

from dataclasses import replace

import pytest

from osteon.triage.engine import assess
from osteon.triage.extract import extract
from osteon.triage.knowledge import RED_FLAG_CODES, load_knowledge
from osteon.triage.rules import Facts, RuleContext
from osteon.triage.urgency_net import load_urgency_net


@pytest.fixture
def net_raises_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """A safety net that raises every text it judges: what stays below emergency is vetoed, not merely unscored."""
    from osteon.triage import engine
    from osteon.triage.safety_net import load_net

    net = load_net()
    monkeypatch.setattr(engine, "load_net", lambda: net.with_threshold(0.0))

CASES = {
    "cauda_equina": [
        "腰疼，这两天尿不出来",
        "腰杆痛，屙尿都屙不出来",
        "腰痛，屁股周围发麻",
        "腰椎间盘突出，憋不住尿了",
        "back pain and I wet myself",
        "腰疼，会阴那块没感觉",
    ],
    "open_fracture": [
        "腿摔断了，骨头戳出来了",
        "手杆摔断了看得到骨头",
        "小腿上大口子，腿都歪了",
        "bone sticking out of my shin",
    ],
    "neurovascular": [
        "打了石膏以后手指头发紫发凉",
        "摔伤以后脚冰凉，摸不到脉搏",
        "骨折了手指头发白",
        "上了夹板以后脚趾麻木没感觉",
    ],
    "compartment": [
        "小腿被砸了，肿得发亮，止疼药也没用",
        "打了石膏以后越来越疼",
        "手被机器压了，肿得绷紧疼得受不了",
    ],
    "septic_joint": [
        "膝盖红肿发烫还发烧",
        "孩子发烧，不肯走路",
        "娃儿发烧了，走路一瘸一拐",
        "肩膀又红又肿，发高烧",
    ],
    "spinal_infection": ["糖尿病，腰疼，发烧好几天", "腰椎手术后腰疼还发烧", "背疼，发烧39度"],
    "high_energy_trauma": [
        "出车祸了，脖子疼",
        "从三楼摔下来腰疼",
        "被车撞了，腿没感觉",
        "从脚手架上掉下来后背疼",
        "car accident, my neck hurts",
    ],
    "myelopathy": ["走路像踩棉花", "手笨，扣扣子扣不上", "拿筷子不稳，脖子疼", "颈椎不好，走路不稳"],
    "malignancy": [
        "以前得过乳腺癌，现在腰疼",
        "晚上疼醒，瘦了十几斤",
        "腿上的包越长越大",
        "肺癌化疗中，背疼",
    ],
    "stroke": [
        "突然嘴歪了",
        "说话说不清楚，右边手脚没劲",
        "半边身子麻",
        "sudden weakness in my left arm and leg",
    ],
    "acute_coronary": [
        "胸口疼，左胳膊也疼",
        "胸闷，喘不上气",
        "心口痛，出冷汗",
        "chest pain going down my left arm",
    ],
    "dvt": [
        "手术后小腿肿了",
        "打石膏以后小腿肚子肿胀疼痛",
        "坐了十几个小时飞机，一条腿肿了",
        "calf swollen after surgery",
    ],
    "child_safeguarding": [
        "宝宝3个月，身上有淤青",
        "孩子两岁，耳朵后面有淤青",
        "8个月的宝宝大腿骨折了，说不清怎么伤的",
        "1岁的娃儿脸上青一块紫一块",
    ],
}


def test_every_code_has_cases() -> None:
    """The table covers all 13 codes."""
    assert set(CASES) == set(RED_FLAG_CODES)


@pytest.mark.parametrize(("code", "text"), [(c, t) for c, ts in CASES.items() for t in ts])
def test_red_flag_fires(code: str, text: str) -> None:
    """Each phrasing raises its red flag and the matching urgency."""
    r = assess(text)
    assert code in r.red_flags, (text, r.red_flags)
    if code in ("myelopathy", "malignancy"):
        assert r.urgency in ("urgent", "emergency")
    else:
        assert r.urgency == "emergency" and r.department == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "腰疼但腿不麻，也没有发烧",
        "腰痛，大小便正常，屁股周围不麻",
        "肩膀疼，没有胸闷，也不喘",
        "胸口这块肋骨疼，前天摔跤磕到的",
        "车祸过去半年了，现在脖子还是酸",
        "孩子膝盖疼，没发烧，能走能跳",
        "倒拐子撞了一下，麻到手指头",
        "脚趾头被砸了一下，指甲都紫了",
        "尿频尿急，尿的时候疼",
        "换了膝关节两年了，膝盖有点肿",
    ],
)
def test_decoys_do_not_fire(text: str) -> None:
    """Denied or explained features do not create emergencies."""
    r = assess(text)
    assert r.urgency != "emergency", (text, r.red_flags)


def test_chest_pain_with_left_arm_is_not_orthopaedic() -> None:
    """Decoy: 'shoulder/arm pain' with chest pain goes to the emergency department."""
    r = assess("左肩膀疼，胸口闷得慌")
    assert r.department == "emergency" and "acute_coronary" in r.red_flags


def test_uncertain_red_flag_still_escalates() -> None:
    """Dionne 2019: CES questions are insensitive, so '好像' counts."""
    assert "cauda_equina" in assess("腰疼，好像有点憋不住尿").red_flags


def test_red_flags_only_raise_urgency() -> None:
    """Adding reassuring words never lowers an emergency."""
    base = assess("腰疼，尿不出来")
    more = assess("腰疼，尿不出来，不过其他都挺好的，不发烧，能走路")
    assert base.urgency == more.urgency == "emergency"


def test_red_flag_evidence_names_the_words() -> None:
    """Evidence says which words triggered the flag."""
    r = assess("腰杆痛，屙尿都屙不出来")
    ev = next(e for e in r.evidence if e.get("rule") == "cauda_equina")
    assert any("屙尿" in w for w in ev["because"])


@pytest.mark.parametrize(
    "text",
    ["摔了一跤，人昏过去了", "腿上的伤口血流不止", "宝宝2个月，发烧38度", "he passed out after the fall"],
)
def test_general_danger_signs_are_emergencies(text: str) -> None:
    """Altered consciousness, major bleeding and fever under 3 months are emergencies (not red-flag codes)."""
    r = assess(text)
    assert r.urgency == "emergency" and r.department == "emergency"


def test_raise_urgency_never_lowers() -> None:
    """rules.raise_urgency keeps the higher level."""
    from osteon.triage.rules import FlagHit, raise_urgency

    low = FlagHit("x", "routine", None, "", "", [])
    assert raise_urgency("emergency", [low]) == "emergency"
    assert raise_urgency("routine", [FlagHit("y", "urgent", None, "", "", [])]) == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "我妈乳腺癌做过手术三年了，最近背疼，今天两条腿突然没劲站不起来了",
        "肺癌化疗中，腰疼，这两天腿没力气走不了路",
        "my dad has prostate cancer, back pain and now his legs are weak",
    ],
)
def test_cancer_with_new_weakness_is_cord_compression_and_an_emergency(text: str) -> None:
    """NICE NG234: suspected metastatic spinal cord compression is seen the same day (not 'urgent malignancy')."""
    r = assess(text)
    assert r.urgency == "emergency"
    assert any(e.get("rule") == "cord_compression" for e in r.evidence)


@pytest.mark.parametrize("text", ["前列腺癌，腰痛，夜里痛得睡不着", "我爸肺癌，我自己腿没劲"])
def test_cancer_without_weakness_or_in_a_relative_is_not_cord_compression(text: str) -> None:
    assert not any(e.get("rule") == "cord_compression" for e in assess(text).evidence)


@pytest.mark.parametrize(
    "text",
    [
        "had my tibia fixed yesterday, leg is super tight and the painkillers don't touch it",
        "小腿骨折打了钢板，昨天做的，现在腿肿得硬邦邦，止痛针都不管用",
    ],
)
def test_compartment_signs_after_fracture_fixation_escalate(text: str) -> None:
    assert "compartment" in assess(text).red_flags


@pytest.mark.parametrize("text", ["小腿疼", "大腿疼", "calf pain"])
def test_a_single_limb_site_reaches_an_orthopaedic_clinic(text: str) -> None:
    r = assess(text)
    assert r.department not in ("other", "emergency")
    assert r.urgency == "routine"


@pytest.mark.parametrize(
    "text",
    ["腿摔断了，骨头没戳出来，皮也没破", "小腿摔了一下，脚不凉也不麻，就是肿", "我爸嘴没歪，说话也不含糊，就是腰疼得厉害"],
)
def test_a_denied_sign_inside_a_composed_phrase_is_not_a_red_flag(text: str) -> None:
    """Compositions and patterns that span a negator (骨头没戳出来) would hide the denial from the negation rules."""
    assert assess(text).red_flags == []


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("腰上长了一圈水泡，火辣辣的疼", "other"),  # shingles: dermatology
        ("以前有肾结石，今天右边后腰绞着疼，尿是红的", "other"),  # renal colic: urology
        ("my elbows have silver scales and itch, joints are fine", "other"),  # psoriasis without arthritis
        ("手指关节肿痛，身上还有皮疹", "rheumatology"),  # rash WITH arthritis stays rheumatology
    ],
)
def test_non_orthopaedic_look_alikes_go_to_their_clinic(text: str, department: str) -> None:
    r = assess(text)
    assert r.department == department
    assert r.urgency != "emergency"


def test_burning_pain_is_not_a_fever() -> None:
    r = assess("后背一条火烧一样疼，没有发烧")
    assert "spinal_infection" not in r.red_flags


@pytest.mark.parametrize("text", ["我爸腰疼，半年瘦了二十斤，晚上疼得更凶", "back pain at night, lost 10 kg"])
def test_weight_loss_with_night_back_pain_is_urgent_malignancy(text: str) -> None:
    r = assess(text)
    assert "malignancy" in r.red_flags
    assert r.urgency in ("urgent", "emergency")


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("腿上青筋鼓起来像蚯蚓一样，站久了酸胀", "other"),  # varicose veins: vascular surgery
        ("屁股疼，大便的时候带血", "other"),  # haemorrhoids: colorectal
        ("大脚骨往外翻，鞋都穿不进去", "foot_ankle"),  # a bunion, not an open fracture
        ("娃他妈的脚是平的，走远了脚底板疼", "foot_ankle"),  # the child's mother is the patient
    ],
)
def test_round_8_look_alikes(text: str, department: str) -> None:
    r = assess(text)
    assert r.department == department
    assert r.urgency != "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "the baby is 3 months old, has bruises on his chest, parents say he rolled off the sofa",
        "my friend came off his scooter, his shin is bent and the bone came through the skin",
    ],
)
def test_round_8_english_emergencies(text: str) -> None:
    assert assess(text).urgency == "emergency"


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("my son's leg got pinned under the car jack, now it is swollen and hard like stone", "compartment"),
        ("he slipped, the shin bone is showing through the skin", "open_fracture"),
        ("阮阿爸骑欧兜麦予汽车挵着，颔颈足疼，手麻", "high_energy_trauma"),
        ("阮孙仔才两个月，手骨断去", "child_safeguarding"),
    ],
)
def test_round_9_emergencies(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency"
    assert flag in r.red_flags


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("My waist is paining me, it goes down my left leg", "spine"),  # West African / Indian English
        ("my wrist hurts at the thumb side when I carry the baby", "hand"),  # the carer, not the baby
        ("My hands are stiff every morning for two hours and the knuckles are swollen", "rheumatology"),
        ("手老哆嗦，端碗都哆嗦，好几年了", "neurology"),
        ("吃完油腻的东西右边肩膀疼，肚子右上边不舒服", "other"),  # gallbladder pain felt in the shoulder
        ("腰酸，尿尿的时候会痛，一直想去尿尿，没有发烧", "other"),  # urinary infection
    ],
)
def test_round_9_departments(text: str, department: str) -> None:
    assert assess(text).department == department


@pytest.mark.parametrize(
    "text",
    [
        "my dad (70) suddenly his face is drooping and his speech is slurred, he has had a bad neck for years",
        "My friend, 55 years old, suddenly his left arm and leg went weak 20 minutes ago",
    ],
)
def test_a_sudden_stroke_sign_is_not_vetoed_by_another_complaints_duration(text: str) -> None:
    r = assess(text)
    assert "stroke" in r.red_flags and r.urgency == "emergency"


def test_kicked_shin_with_tense_swelling_and_pain_beyond_painkillers_is_compartment() -> None:
    r = assess("kicked in the shin at football, now super tight and shiny, painkillers do nothing")
    assert "compartment" in r.red_flags


@pytest.mark.parametrize(
    ("text", "department", "urgency"),
    [
        # 烧酒 is liquor, not fever; a gout flare is urgent since round 48 (NICE CKS "Gout": treat a flare promptly)
        ("我45岁男 昨晚喝烧酒吃海鲜 今天大脚趾红肿痛 没发烧", "rheumatology", "urgent"),
        ("胃口疼一个月，心口窝下面烧得慌，反酸，无胸闷无气短", "other", "routine"),  # heartburn, not chest pain
        ("男孩14岁，膝盖上方摸到一个硬疙瘩，好几年了，不痛", "bone_tumor", "routine"),
        ("右肩痛5个月，越来越抬不起来，梳头、背手都做不到", "sports", "routine"),
        ("我廿五岁，腰痛咗成年，朝早起身最硬，郁下反而舒服啲", "rheumatology", "routine"),
    ],
)
def test_round_10_readings(text: str, department: str, urgency: str) -> None:
    r = assess(text)
    assert (r.department, r.urgency) == (department, urgency)


def test_twenty_and_thirty_in_numerals() -> None:
    assert assess("我廿五岁，腰痛").facts.age == 25


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("My son got kicked in the shin, the clinic said a small crack, now his calf is rock hard", "compartment"),
        ("Had a knee arthroscopy a week ago, now my calf on that side is swollen and tight", "dvt"),
        ("fell off my bike, my shin is bent and there's a cut over it with something white showing", "open_fracture"),
        ("孙子两岁 腿折了 拍片子大夫说还有别的地方以前断过 都长好了", "child_safeguarding"),
    ],
)
def test_round_11_emergencies(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags


@pytest.mark.parametrize(
    "text",
    [
        "我手腕骨头以前断过做过手术，现在三个手指头夜里发麻",  # an old fracture: history, not a fresh one
        "化疗打完以后手指头脚趾头一直麻，腰和颈都不痛",  # 腰 is denied with 颈
    ],
)
def test_round_11_no_red_flag(text: str) -> None:
    assert assess(text).red_flags == []


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("my mother has sciatica, today she is not able to control urine and her private area is numb", "cauda_equina"),
        ("got rear-ended on the motorway an hour ago, neck really hurts and both hands are tingly", "high_energy_trauma"),
        ("had my knee replaced 10 days ago, now my calf is swollen and sore", "dvt"),
        ("囡仔才十个月，袂爬，大腿肿起来，面颊有青青一块", "child_safeguarding"),
    ],
)
def test_round_12_emergencies(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags


def test_chest_pain_only_with_a_cough_is_not_acute_coronary() -> None:
    assert "acute_coronary" not in assess("咳嗽两个礼拜，咳得胸口疼，黄痰").red_flags
    assert "acute_coronary" in assess("胸口压着疼，憋气").red_flags


def test_round_13_cast_pain_beyond_ibuprofen_and_dvt_after_a_flight_home() -> None:
    r = assess("cast put on yesterday, tonight he is screaming, ibuprofen did nothing, it hurts him terribly when I "
               "gently straighten his fingers")
    assert "compartment" in r.red_flags
    r = assess("flew back two weeks after my ACL reconstruction, now the calf on the operated leg is swollen and sore")
    assert "dvt" in r.red_flags


def test_painkillers_not_helping_alone_is_not_an_emergency() -> None:
    assert assess("ibuprofen did nothing for my headache").urgency != "emergency"


@pytest.mark.parametrize("text", [
    "我奶奶85岁，刚才在卫生间滑倒了，屁股着地，现在右腿站不起来",
    "我娭毑八十好几咯，早上在屋里绊咯一跤，胯骨那里痛得要死，站不起来",
    "my grandmother fell and can't stand, her hip hurts",
    "Grandma 88 years old slip in the bathroom, now she cannot stand, her left leg is turned outside and look shorter",
    "阮阿公八十三歲，今仔日佇灶跤跋倒，尻川先落地，這馬徛袂起來",
])
def test_round_14_older_person_who_fell_and_cannot_stand_is_a_hip_fracture_emergency(text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency", text
    assert any(e.get("rule") == "hip_fracture_older" for e in r.evidence), text


@pytest.mark.parametrize("text", [
    "我妈70岁，前天摔了一跤，胯骨有点疼，走路还行",
    "我爸去年摔断了髋骨做了手术，现在走路还是有点跛",
    "奶奶胯骨疼了半年，走路越来越费劲",
    "my 30 year old son fell playing football, his hip hurts but he walked home",
])
def test_round_14_hip_pain_after_a_fall_that_still_walks_or_is_old_is_not_that_rule(text: str) -> None:
    assert not any(e.get("rule") == "hip_fracture_older" for e in assess(text).evidence), text


def test_round_14_a_carers_pronouns_read_as_the_patients() -> None:
    r = assess("Typing for my husband, 52. Sciatica flared up, both legs tingling, he can't feel the loo paper when he "
               "wipes and he wet himself last night")
    assert "cauda_equina" in r.red_flags


@pytest.mark.parametrize(("text", "age"), [
    ("He's two and a half, bruises on both ears", 2.5),
    ("my three-year-old fell off the slide", 3.0),
    ("aged seven, fever and won't walk", 7.0),
    ("she's two weeks post-op from a knee replacement", None),
])
def test_round_15_english_ages_in_words(text: str, age: float | None) -> None:
    assert assess(text).facts.age == age


@pytest.mark.parametrize("text", [
    # an episode the patient says is over is history, not today's complaint
    "2020年因为腰椎间盘突出出现过大小便失禁、鞍区麻木，当时急诊做了手术，恢复得很好。现在久坐后腰有点酸",
    ("Had a knee replacement 8 months ago. At 3 weeks I had calf swelling and a DVT; the repeat scan says it's "
     "resolved. Now my issue is stiffness"),
    # "nothing" negates what follows it
    "6 month old, hip click at her check-up, she kicks both legs, no fever, nothing swollen",
])
def test_round_15_history_and_nothing_are_not_todays_emergency(text: str) -> None:
    assert assess(text).urgency != "emergency", text


@pytest.mark.parametrize("text", [
    "去年腰椎手术后恢复得很好，这两天又大小便失禁了",
    "两年前做了膝关节置换，恢复很好，这两天小腿肿了",
    "I had sciatica last year that went away, now I wet myself and my bum is numb",
    "以前腰痛治好了，昨天开始尿不出来",
    "nothing seems to help my back pain and I can't feel the toilet paper when I wipe",
])
def test_round_15_a_new_episode_after_an_old_one_still_escalates(text: str) -> None:
    assert assess(text).urgency == "emergency", text


def test_round_15_todays_injury_is_dated_by_today_not_by_old_history() -> None:
    r = assess("我兄弟38岁，今儿早上从三米多高的房檐上跌下来了，腰疼得厉害，两条腿麻。他年轻时候腰上受过伤，好了十几年了")
    assert r.facts.duration_text == "今儿"
    assert "high_energy_trauma" in r.red_flags


@pytest.mark.parametrize(("text", "flag"), [
    (("My husband is having back pain since 5 days. From yesterday night he is not able to pass urine and he is "
     "telling his private area is numb"), "cauda_equina"),
    ("Came aff ma bike, elbow's aw squint an noo ma hand's gone white an cauld, cannae feel ma fingers", "neurovascular"),
    (("Yesterday heavy beam fall on my leg. Now leg is very tight like balloon, painkiller not help, most bad when "
     "somebody move my toes"), "compartment"),
    (("today morning suddenly her right hand and leg are not working, her mouth is going to one side and her speech "
     "is not clear"), "stroke"),
    ("Neighbor little girl maybe 3 years has bruise on her neck and both ears. Not first time I see bruise on her",
     "child_safeguarding"),
])
def test_round_16_many_englishes(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, (text, r.red_flags)


def test_round_16_scots_nae_negates() -> None:
    assert assess("gammy hip for two year noo, nae fall, nae fever, nae weight loss").urgency != "emergency"


# Round 39 (session 2026-12-07, from blind batches AV and AW): new phrasings of each change, and their opposites


@pytest.mark.parametrize("text", [
    "Breast cancer operated 5 years ago. Mid back pain for a month, now both legs weak and I keep tripping",
    "My dad had prostate cancer treated years ago, back ache for weeks and since Tuesday his legs are giving way",
])
def test_round_39_cancer_years_ago_and_new_leg_weakness_is_cord_compression(text: str) -> None:
    assert assess(text).urgency == "emergency", assess(text).evidence


@pytest.mark.parametrize("text", [
    "She's 80, tripped and hit her forehead on the door frame yesterday, now both hands tingle and feel clumsy",
    "老爷子走路摔了一跤，前额磕在台阶上，现在两只手都发麻",
])
def test_round_39_a_blow_to_the_forehead_then_both_hands_numb_is_central_cord(text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and "high_energy_trauma" in r.red_flags, r.evidence


@pytest.mark.parametrize("text", [
    "胸口右边按下去会痛，昨天搬了沙发，不喘，没出汗",
    "做完俯卧撑，左边心口撳落去好痛，唔喘",
])
def test_round_39_chest_pain_brought_on_by_pressing_with_breathing_fine_is_chest_wall(text: str) -> None:
    r = assess(text)
    assert r.urgency != "emergency" and "acute_coronary" not in r.red_flags, r.evidence


@pytest.mark.parametrize("text", [
    "胸口按下去会痛，而且喘不上气，出冷汗",  # breathlessness and sweating: still possibly cardiac
    "左边胸口压着疼，往左胳膊窜",
])
def test_round_39_pressing_does_not_clear_a_cardiac_story(text: str) -> None:
    assert assess(text).urgency == "emergency", assess(text).evidence


def test_round_39_a_healed_crash_dated_by_its_year_is_history() -> None:
    r = assess("Had a bad motorbike crash in 2016, broke my arm, all healed. My neck is stiff in winter, no numbness")
    assert "high_energy_trauma" not in r.red_flags and r.urgency != "emergency", r.evidence
    r = assess("Motorbike crash this morning, my neck is very painful and both arms tingle")
    assert "high_energy_trauma" in r.red_flags


def test_round_39_a_limb_injury_whose_hand_or_foot_is_fine_is_not_the_nets(net_raises_everything: None) -> None:
    """limb_injury_screened vetoes the net: with a net that raises everything, a sprain with warm, feeling toes stays
    urgent, and the same sprain with cold, numb toes is an emergency by the rules."""
    screened = assess("今天打球把脚脖子崴了，肿得老高，下不了地，脚趾头暖和的，有感觉，皮没破")
    assert screened.urgency == "urgent", screened.evidence
    opened = assess("今天打球把脚脖子崴了，肿得老高，下不了地，脚趾头冰凉发麻")
    assert opened.urgency == "emergency" and "neurovascular" in opened.red_flags, opened.evidence
    crushed = assess("脚被叉车压了，肿得老高，脚趾头暖和的，有感觉")  # a crush is the rules' and the net's
    assert crushed.urgency == "emergency", crushed.evidence


# Round 40 (session 2026-12-07, from blind batches AX and AY)


@pytest.mark.parametrize("text", [
    "The nurse told me if my toes go cold or numb in the cast I must come back straight away. They're fine now, just itchy",
    "医生交代如果伤口流脓发烧就马上回来，现在伤口干干净净",
    "GP warned that if I ever lose control of my bladder I should call 999. Bladder is normal, it's just sciatica",
])
def test_round_40_a_warning_repeated_is_not_a_sign_had(text: str) -> None:
    r = assess(text)
    assert r.urgency != "emergency", (text, r.evidence)


@pytest.mark.parametrize("text", [
    "He said his legs went numb and he can't pee since this morning, back pain",  # said, but no 'if': he has them
    "医生说腰椎间盘突出，现在尿不出来，屁股周围也麻了",
])
def test_round_40_a_sign_reported_without_an_if_still_escalates(text: str) -> None:
    assert assess(text).urgency == "emergency", assess(text).evidence


def test_round_40_a_healed_injury_closed_with_another_particle_is_history() -> None:
    r = assess("前些年骑摩托车撞车断过腰骨，早就好咯，这两天腰有点酸，脚不麻，尿也正常")
    assert r.urgency != "emergency" and "high_energy_trauma" not in r.red_flags, r.evidence


def test_round_40_an_ice_rink_is_no_cold_limb() -> None:
    r = assess("在溜冰场摔了一跤，屁股着地，青了一块，走路没事")
    assert "neurovascular" not in r.red_flags and r.urgency != "emergency", r.evidence
    assert "neurovascular" in assess("摔了一跤以后，脚冰凉，摸着冰").red_flags  # a cold foot still is


def test_round_40_a_toddlers_bruises_on_the_legs_from_a_fall_he_tells() -> None:
    assert assess("娃儿三岁，脚杆前面有几块青，他自己说是摔的").urgency != "emergency"
    assert assess("娃儿三岁，耳朵后面有几块青，大人说是摔的").urgency == "emergency"  # TEN-4: ears


@pytest.mark.parametrize("text", [
    "半年瘦了二十斤，晚上骨头疼",
    "我六十几岁 膊头痛 夜晚痛到瞓唔着 三个月跌咗十磅",
    "My uncle's thigh has been paining him in the night for a month and he has lost some weight",
])
def test_round_40_weight_lost_and_night_pain_in_other_words_is_malignancy(text: str) -> None:
    assert "malignancy" in assess(text).red_flags, assess(text).evidence


def test_round_40_a_mothers_cancer_is_family_history() -> None:
    assert "malignancy" not in assess("母亲有肺癌病史，本人无肿瘤史，爬楼梯膝盖疼").red_flags
    assert "malignancy" in assess("本人有肺癌病史，最近腰疼，晚上疼醒").red_flags


def test_round_40_skin_not_broken_is_a_closed_injury_not_a_skin_complaint() -> None:
    r = assess("打篮球摔了 锁骨那里鼓起一块 皮肤没破 手指都能动 很痛")
    assert r.department in ("trauma", "sports"), [(a["department"], a["score"]) for a in r.alternatives]


@pytest.mark.parametrize(("text", "screened"), [
    ("天天坐着开车，腰痛，痛到左边屁股，小腿有点麻，大小便都正常，屁股周围不麻", True),
    ("天天坐着开车，腰痛，痛到左边屁股，大小便都正常，但是屁股周围麻", False),
    ("停车场里被后面的车轻轻碰了一下，脖子有点紧，手不麻", True),
    ("昨天头一回去健身房练腿，今天两条大腿酸得下不了楼梯，尿的颜色正常", True),
])
def test_round_40_screened_stories_are_not_the_nets(net_raises_everything: None, text: str, screened: bool) -> None:
    """With a net that raises everything, a story whose screen was answered stays below emergency, and the same story
    with the sign present is an emergency."""
    assert (assess(text).urgency != "emergency") is screened, assess(text).evidence


# Round 41 (session 2026-12-07, from blind batches AZ and BA)


@pytest.mark.parametrize("text", [
    ("Back's been sore a week with sciatica. Since last night I haven't really felt the need to pee and this morning "
     "it was only a dribble"),
    "My back is bad and when I wipe it feels numb, like it's someone else's bum",
])
def test_round_41_cauda_equina_in_plain_words(text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and "cauda_equina" in r.red_flags, r.evidence


def test_round_41_a_bed_bound_parent_after_a_hip_operation_with_a_swollen_calf_is_a_clot() -> None:
    r = assess("奶奶上个月髋部骨折做了手术，回家后一直躺在床上，这两天右边小腿肿得比左边粗，按着疼")
    assert r.urgency == "emergency" and "dvt" in r.red_flags, r.evidence


@pytest.mark.parametrize("text", [
    "The nurse said to come straight back if his toes go cold or numb. Toes are warm and he can wiggle them",
    ("In 2012 I came off my motorbike and the shin bone came through the skin. They put a nail in. All healed now, "
     "I would like the nail taken out"),
])
def test_round_41_warnings_and_old_stories_told_over_several_sentences(text: str) -> None:
    assert assess(text).urgency != "emergency", assess(text).evidence


@pytest.mark.parametrize(("text", "screened"), [
    ("搬箱子扭着了，右边肋巴骨一按就疼，喘气没事，不出汗", True),
    ("搬箱子扭着了，右边肋巴骨疼，喘不上气，一身冷汗", False),
    ("吃了海鲜喝了啤酒，今早脚大拇趾红肿发烫，没发烧，没受伤", True),
    ("在车里坐了五个钟头，下车屁股和两条腿麻了一阵，走了几步就好了，小便正常", True),
    ("孩子感冒发烧两天，在家跑跑跳跳的，走路好好的，腿不肿", True),
    ("打了石膏觉得有点紧，脚趾头暖和的，颜色正常，能动弹，不麻", True),
    ("打了石膏，脚趾头肿得发亮，疼得止痛药都没用，一扳脚趾就疼", False),
])
def test_round_41_screened_stories_are_not_the_nets(net_raises_everything: None, text: str, screened: bool) -> None:
    assert (assess(text).urgency != "emergency") is screened, assess(text).evidence


def test_round_41_a_carer_with_mummy_thumb_is_not_the_child() -> None:
    r = assess("Minding my grandson all day, lifting him, and now my wrist at the thumb side hurts. Mummy thumb?")
    assert r.department == "hand", r.evidence


# Round 42 (session 2026-12-07, from blind batches BB and BC)


@pytest.mark.parametrize("text", ["腰疼，两条腿没有力了", "腰痛，腿一点劲都没有", "颈椎病，手没有劲，拿不住筷子"])
def test_round_42_no_strength_said_with_the_negator_inside_is_weakness(text: str) -> None:
    ex = extract(text)
    weak = [f for f in ex.findings if f.concept == "sym.weakness"]
    assert weak and not any(f.negated for f in weak), [(f.concept, f.text, f.negated) for f in ex.findings]


def test_round_42_strength_said_normal_is_not_weakness() -> None:
    ex = extract("手脚都有力，讲话清楚")
    assert not any(f.concept == "sym.weakness" and not f.negated for f in ex.findings)
    assert {"ctx.strength_ok", "ctx.speech_ok"} <= {f.concept for f in ex.findings}


@pytest.mark.parametrize(("text", "screened"), [
    ("我妈高血压，老怕中风。现在手脚都有力，说话清清楚楚，脸也不歪，就是膝盖下楼梯疼", True),
    ("我妈高血压，今天突然说话不清楚，右手没有力", False),
    ("换了膝关节三个礼拜，护士交代过要看小腿，两条腿一样粗，小腿不疼不肿，伤口干的，没发烧", True),
    ("换了膝关节三个礼拜，这两天小腿肿了，按着疼", False),
])
def test_round_42_screened_stories_are_not_the_nets(net_raises_everything: None, text: str, screened: bool) -> None:
    assert (assess(text).urgency != "emergency") is screened, assess(text).evidence


def test_round_42_a_pull_told_first_and_an_arm_hanging_later_is_a_pulled_elbow() -> None:
    ex = extract("过马路时拽了儿子一下，他就哭了，现在右胳膊垂着不肯抬")
    assert any(f.concept == "cond.nursemaid" for f in ex.findings)


@pytest.mark.parametrize("text", [
    "搬家扛柜子扭着了，右边肋骨一按就疼，喘气没事",
    "Moving furniture yesterday, my ribs on the left are sore when I press them, breathing is fine",
])
def test_round_42_a_chest_wall_strain_goes_to_sports_not_fracture_care(text: str) -> None:
    r = assess(text)
    assert r.urgency != "emergency" and r.department in ("sports", "other"), (r.department, r.evidence)


def test_round_42_a_pregnancys_baby_is_not_the_patient() -> None:
    r = assess("怀孕32周，最近腰酸背痛，产检医生说是宝宝压的，小便正常，腿有劲")
    assert r.department != "pediatric", r.evidence


def test_round_42_someone_who_died_of_cancer_is_family_history() -> None:
    r = assess("My dad died of bone cancer so I worry. My knee aches after running, fine at rest, no night pain")
    assert "malignancy" not in r.red_flags, r.evidence


def test_round_42_a_symptom_from_an_earlier_clause_skips_a_site_just_said_to_be_fine() -> None:
    r = assess("下楼梯摔了一跤，屁股着地，青了一大坨，腰也不痛，脚也不麻，就是坐着有点痛")
    assert r.department in ("trauma", "spine"), r.evidence


def test_round_42_waist_then_suddenly_is_not_a_disc() -> None:
    ex = extract("腰突然痛起来，翻不了身")
    assert {"site.low_back", "sym.sudden"} <= {f.concept for f in ex.findings}
    assert "cond.disc" not in {f.concept for f in ex.findings}
    assert "cond.disc" in {f.concept for f in extract("我有腰突，腿麻").findings}


@pytest.mark.parametrize(("text", "screened"), [
    ("我妈八十岁，搬花盆以后腰突然痛，翻不了身，脚不麻，小便正常", True),
    ("我妈八十岁，搬花盆以后腰突然痛，翻不了身，两条腿发麻，小便正常", False),
    ("我妈八十岁，搬花盆以后腰突然痛，脚不麻，可是尿不出来", False),
])
def test_round_42_back_pain_with_the_cord_questions_answered_is_not_the_nets(
    net_raises_everything: None, text: str, screened: bool
) -> None:
    assert (assess(text).urgency != "emergency") is screened, assess(text).evidence


# Round 43 (session 2026-12-07, from blind batches BD and BE)


@pytest.mark.parametrize("text", [
    "heard on the radio that back pain and not being able to pee is an emergency. Mine is just a stiff back from gardening",
    "听人说腰疼加上尿不出来就是急诊，我就是腰有点酸，尿尿正常",
])
def test_round_43_hearsay_about_an_emergency_is_not_a_sign_had(text: str) -> None:
    assert assess(text).urgency != "emergency", assess(text).evidence


def test_round_43_the_other_side_said_fine_is_no_stroke() -> None:
    r = assess("夜里手指头发麻，甩甩手就好，会不会是中风？半边身体好好的，说话也正常")
    assert "stroke" not in r.red_flags and r.urgency != "emergency", r.evidence
    assert "stroke" in assess("突然半边身子发麻，说话不清楚").red_flags


@pytest.mark.parametrize("text", [
    "I googled the lump on my wrist and now I'm convinced it's cancer. No night pain, no weight loss",
    "My kid has a bony bump below the knee after football and I'm terrified it's a tumour, no night pain",
])
def test_round_43_more_ways_to_fear_a_cancer(text: str) -> None:
    assert "malignancy" not in assess(text).red_flags, assess(text).evidence


def test_round_43_a_wound_that_has_not_healed_is_no_non_union() -> None:
    concepts = {f.concept for f in extract("糖尿病，脚底板磨了个口子，一个多月了没长好").findings}
    assert "cond.nonunion" not in concepts
    assert "cond.nonunion" in {f.concept for f in extract("小腿骨折半年了，骨头还没长好").findings}


def test_round_43_a_rash_across_the_cheeks_with_joint_pains_is_rheumatology() -> None:
    r = assess("My daughter is 24, her wrists and knees ache, and she has a rash across both cheeks in the sun, hair falling out")
    assert r.department == "rheumatology", r.evidence


def test_round_43_hair_falling_is_no_fall() -> None:
    assert "mech.fall" not in {f.concept for f in extract("her hair is falling out and her knees ache").findings}


@pytest.mark.parametrize("text", [
    "昨天芭蕾课跳跃练太多，今天两条小腿很酸，没有肿，也没有麻，尿的颜色正常",
    "Two hours of dragon boat paddling drills yesterday, today my arms and thighs ache, no swelling, pee normal colour",
])
def test_round_43_aching_after_training_is_not_the_nets(net_raises_everything: None, text: str) -> None:
    assert assess(text).urgency != "emergency", assess(text).evidence


# Round 44 (session 2026-12-07, from blind batches BF and BG)


@pytest.mark.parametrize("text", [
    "The discharge leaflet says ring 999 if I can't pee or go numb between the legs. None of that, just my sciatica",
    "Just checking, if I ever got numbness around my bottom or couldn't pee, that's the A&E one? Waterworks normal now",
    "护士叮嘱石膏里脚趾发紫、发凉、发麻要马上回来，现在都好好的，粉红色，热乎乎的",
    "Physio keeps reminding me to go to A&E if I cannot control urine. I don't have that, just back pain",
])
def test_round_44_warnings_in_more_shapes_are_not_signs_had(text: str) -> None:
    assert assess(text).urgency != "emergency", assess(text).evidence


def test_round_44_a_warning_keeps_the_cast_it_is_about() -> None:
    ex = extract("护士叮嘱石膏里脚趾发紫要马上回来，现在都好好的")
    assert any(f.concept == "ctx.cast" and not f.negated for f in ex.findings)


def test_round_44_calves_said_soft_and_not_tender_after_a_replacement_are_no_clot() -> None:
    r = assess("Day 20 after hip replacement. Calves checked both sides: soft, same size, not tender, no redness. "
               "Mild ache at the wound after walking. Wound dry, no fever.")
    assert "dvt" not in r.red_flags, r.evidence
    assert "dvt" in assess("Day 20 after hip replacement, my left calf is swollen and sore").red_flags


def test_round_44_a_things_age_is_not_the_patients() -> None:
    assert extract("My knee replacement is 10 years old now and it clicks").age is None
    assert extract("My son is 10 years old and his knee clicks").age == 10.0


def test_round_44_fever_and_shivers_in_pidgin_on_steroids_is_spinal_infection() -> None:
    r = assess("I dey take steroid tablet for six months. My back dey pain me since last week and my body dey hot, "
               "I dey shiver for night")
    assert r.urgency == "emergency" and "spinal_infection" in r.red_flags, r.evidence


def test_round_44_a_cut_finger_whose_end_will_not_bend_is_a_tendon() -> None:
    assert "cond.tendon_injury" in {f.concept for f in extract("被刀划到中指，最前面那节弯不起来").findings}


@pytest.mark.parametrize("text", ["昨天头一回去爬山，今天两个脚杆酸得很，下楼梯腿打颤", "第一次去健身房练腿，今天大腿疼得下不了楼梯，尿色正常"])
def test_round_44_aching_after_a_first_outing_is_not_the_nets(net_raises_everything: None, text: str) -> None:
    assert assess(text).urgency != "emergency", assess(text).evidence


# Round 45 (session 2026-12-07, from blind batches BH and BI)


@pytest.mark.parametrize(("text", "flag"), [
    ("fell off the wall and theres a bit of bone thru the skin on my shin", "open_fracture"),
    ("Ward note: back pain, bladder scan 750 ml, no urge to void, perianal sensation reduced", "cauda_equina"),
])
def test_round_45_open_fracture_and_cauda_equina_in_shorthand(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


def test_round_45_a_small_residual_is_no_retention() -> None:
    assert assess("post-op note: bladder scan 120 ml after voiding, back sore").urgency != "emergency"


@pytest.mark.parametrize("text", [
    "Hypothetically, if someone's bone came through the skin on a hike, what would you do? I only have heel pain",
    "If someone has back pain and cannot pass urine, where should they go? Asking for knowledge, my back is just stiff",
    "假如有人腰疼又尿不出来该挂什么科？我就是腰有点酸",
])
def test_round_45_a_general_question_is_not_a_sign_had(text: str) -> None:
    assert assess(text).urgency != "emergency", assess(text).evidence


@pytest.mark.parametrize(("text", "screened"), [
    ("我妈怕是心脏病，其实是肩膀抬不起来，胸口不闷，不出汗，爬楼没事", True),
    ("我妈胸口闷，出冷汗，肩膀也痛", False),
    ("奶奶七十八，搬东西闪了腰，小便解得出，晓得急，屁股周围不麻，脚也不麻", True),
    ("奶奶七十八，搬东西闪了腰，小便解不出来", False),
    ("My lower back hurts after farm work, when I lie down to sleep it is gone, no weight loss", True),
    ("My lower back hurts, worse at night, I have lost weight", False),
    ("手指一冻就白，暖了变紫再变红，好几年了", True),
])
def test_round_45_screened_stories_are_not_the_nets(net_raises_everything: None, text: str, screened: bool) -> None:
    assert (assess(text).urgency != "emergency") is screened, assess(text).evidence


def test_round_45_an_old_break_that_aches_in_the_cold_is_no_cold_limb() -> None:
    r = assess("broke me ankle back in '09, plates still in, aches when it's cold, can I get the metal out?")
    assert "neurovascular" not in r.red_flags and r.urgency != "emergency", r.evidence


@pytest.mark.parametrize(("text", "age"), [("My boy Ti-Jean, he 24, back stiff", 24.0), ("my 5 yr ol boy", 5.0),
                                           ("one of our 12-year-olds fell", 12.0)])
def test_round_45_ages_in_more_shapes(text: str, age: float) -> None:
    assert extract(text).age == age


# Round 46 (session 2026-12-07, the two misses of blind batch BJ, both clinicians' notes)


@pytest.mark.parametrize(("text", "flag"), [
    ("Referral: 61F, T2DM, 2/52 thoracolumbar pain, non-mechanical, temp 38.6, rigors. Midline tenderness L1.",
     "spinal_infection"),
    (("Ward note: 8yo in backslab after supracondylar fracture, hand cool and pale, radial pulse not palpable, "
      "pins & needles"), "neurovascular"),
])
def test_round_46_clinicians_shorthand(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


def test_round_46_cool_is_only_cold_after_a_limb() -> None:
    assert "sym.cold" not in {f.concept for f in extract("the physio was cool about it, my knee aches").findings}


def test_round_46_a_question_about_the_future_is_not_a_sign_had() -> None:
    assert assess("如果以后腰椎间盘突出压到神经，出现大小便失禁怎么办？我现在只是久坐腰酸").urgency != "emergency"


# Round 47 (session 2026-12-07): the commonest wrong departments over all the written sets — cramps, restless legs and
# an outer-thigh numbness sent to the foot or spine, puffy ankles to foot surgery, soreness after a workout to the
# spine, inflammatory back pain to the heel. New phrasings, none of them a batch sentence; each with its twin that
# must stay where it was.
@pytest.mark.parametrize(("text", "department"), [
    ("我爸七十了，晚上睡着睡着小腿就抽筋，疼醒，扳一扳脚掌就好了，白天走路没事", "neurology"),
    ("my calves cramp most nights in bed, I stretch them and it goes, legs look normal", "neurology"),
    ("晚上一躺下两条腿里面就像有虫子在爬，非要起来走两圈才舒服", "neurology"),
    ("at bedtime my legs get this creepy crawly feeling and I have to get up and walk about", "neurology"),
    ("右边大腿外侧有巴掌大一块麻麻的，系紧皮带就更明显，腰不痛", "neurology"),
    ("burning and numb patch on the outside of my right thigh since I started wearing a work belt", "neurology"),
    ("站了一天柜台，晚上两个脚踝都肿了，不痛不红，第二天早上就好了", "other"),
    ("both ankles puffy after the long bus ride, no pain, went down overnight", "other"),
    ("went to spin class for the first time, now my thighs are wrecked and stairs are hell", "sports"),
    ("my arms are so sore after the climbing session yesterday", "sports"),
    ("22 yo guy, lower back stiff every morning for over an hour, loosens up when I exercise, for 8 months", "rheumatology"),
    ("我左手手肘子外侧痛，拧衣服、提水桶就痛，打了一个月羽毛球", "sports"),  # 手手肘 is the elbow
    ("the right shoulder hurts when I put my hand over my head to reach the top shelf", "sports"),
    ("右手举过头顶晾衣服就痛，痛了两个月", "sports"),
    ("my shoulder is frozen for 5 months, cannot put on my shirt", "sports"),
    ("生完宝宝三个月，天天抱宝宝，右手大拇指根那边痛，拧毛巾更痛", "hand"),  # the baby is not the patient
    ("十几年前小腿摔断过，早就好了，现在一到下雨天就酸", "trauma"),
    ("右脚大脚趾往外歪，旁边鼓个骨头包，越长越大，穿鞋磨得痛", "foot_ankle"),
    # twins: cramps from football, a sprained ankle swollen, thigh numbness with sciatica, an ankle swollen and sore,
    # a baby brought to the doctor, a lump growing with no bunion, a grandfather's knee in the damp
    ("带孩子来看，孩子三岁，走路一瘸一拐", "pediatric"),
    ("大腿上鼓个包，越长越大，按着不痛", "bone_tumor"),
    ("我爷爷十年前摔断过大腿，早好了，最近阴天下雨膝盖有点酸，蹲下去费劲", "joint"),
    ("踢完球半夜小腿抽筋，今天还有点酸", "sports"),
    ("腰痛三个月，连到右大腿外侧麻，坐久了更厉害", "spine"),
    ("崴了右脚，脚踝肿得老高，走路痛", "foot_ankle"),
])
def test_round_47_departments(text: str, department: str) -> None:
    r = assess(text)
    assert r.department == department, (r.scores, r.conditions)


def test_round_47_a_hand_and_its_fingers_are_one_joint_region() -> None:
    ctx = RuleContext(extract("both hands numb at night, thumb to middle finger").findings, Facts(), load_knowledge())
    assert "polyarticular" not in ctx.tags
    ctx = RuleContext(extract("手指、手腕、膝盖都肿痛").findings, Facts(), load_knowledge())
    assert "polyarticular" in ctx.tags


# Round 48 (session 2026-12-07, blind batches BL and BM): what they missed or over-raised, in new words. Each family
# has its twin that must not move.
@pytest.mark.parametrize(("text", "flag"), [
    ("A&E note: 3/12 old, non-mobile, bruise behind R ear, parents say fell off the bed", "child_safeguarding"),
    ("GP letter: 58M, haemodialysis, IVDU, 10 days of low back pain, spiking to 38.9 overnight", "spinal_infection"),
    ("Ward: 30M, fib #, in a POP since this morning, pain 9/10 despite oral morphine, calf tense", "compartment"),
    ("Ortho reg: radius # in POP, pain on passive finger extension, forearm tight and shiny", "compartment"),
    ("Our keke somersault for express, my neck dey pain me well well and my two hands dey tingle", "high_energy_trauma"),
])
def test_round_48_shorthand_and_vehicles(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


@pytest.mark.parametrize(("text", "urgency"), [
    # dysuria is burning, not a fever; a scan excluded the clot; a doctor's facial palsy with a stroke ruled out
    ("这几天小便的时候烧得疼，尿频，腰有点酸，没有发烧", "routine"),
    ("换膝盖术后一个月，小腿有点肿，前天彩超说没有血栓", "routine"),
    ("new knee 6 weeks ago, calf puffy last week but the doppler showed no clot, can I fly?", "routine"),
    ("上礼拜我妈一边脸突然歪了，医院做了CT说不是中风，是面神经炎，现在挂什么科", "routine"),
    # the stroke questions answered, a doctor named Bell's palsy this morning: urgent (steroids within 72 h)
    ("since this morning my left face droops and I can't close the eye, arms and legs are strong, speech ok, GP said Bell's palsy", "urgent"),
    # a question asked (A-not-A) and answered no; a foot drop with the bladder and bowel answered
    ("腰痛三个月。医生问我小便正不正常、屁股麻不麻，我说都没有", "routine"),
    ("back pain 6 weeks, since yesterday my left foot slaps when I walk, urine and motion normal, no numbness down below", "urgent"),
    # hearsay and a mother's cancer are not the patient's; a gout flare; a fresh bump on a collarbone; a diabetic's sore
    ("膝盖疼了好多年，上下楼更疼。邻居说这是骨癌，我吓坏了，晚上倒是不疼", "routine"),
    ("我膝盖痛两年了，蹲下起来费劲。我爸以前得过肺癌，我有点担心", "routine"),
    ("woke at 3am with my big toe red, hot and swollen, can't bear the sheet on it, no fever", "urgent"),
    ("diabetic for 12 years, a sore under my heel for two weeks that won't heal, no fever", "urgent"),
])
def test_round_48_urgency(text: str, urgency: str) -> None:
    r = assess(text)
    assert r.urgency == urgency, (r.red_flags, r.evidence)


@pytest.mark.parametrize(("text", "flag"), [
    # twins: a clot still asked about; a new droop with slurred speech even when 面瘫 is named; a question left open;
    # the mother's own cancer and her back pain written by her child; a doctor saying cancer
    ("膝关节置换术后第6天，小腿又肿又痛，明天做B超看看有没有血栓", "dvt"),
    ("我爸今天突然嘴歪了，说话也不清楚，是不是面瘫", "stroke"),
    ("腰痛，屁股周围麻不麻说不清，小便解不出来", "cauda_equina"),
    ("我妈以前得过乳腺癌，最近腰疼得厉害，晚上疼醒", "malignancy"),
])
def test_round_48_twins_still_raise(text: str, flag: str) -> None:
    assert flag in assess(text).red_flags


def test_round_48_months_before_a_site_word_are_not_an_age() -> None:
    ex = extract("我长期喝酒，这三个月大胯疼，走路一瘸一拐")
    assert ex.age is None and ex.duration_days == 90
    assert extract("宝宝三个月大了，大腿有块青").age == 0.25


def test_round_48_a_fresh_bump_on_a_collarbone_after_a_fall_is_a_fracture_to_image() -> None:
    # at least urgent by the rules (the English net also raises this one to an emergency: a known false emergency)
    r = assess("slipped on the wet floor yesterday, landed on my shoulder, now a bump on my collarbone, hurts to lift the arm")
    assert "fresh_fracture" in {h.code for h in r.flag_details} and r.urgency in ("urgent", "emergency")
    assert r.department in ("trauma", "emergency") and "bone_mass" not in r.conditions


# Round 49 (session 2026-12-07): the false emergencies left over all the written sets, in new words, with twins
@pytest.mark.parametrize("text", [
    # a crash already seen and cleared in an emergency department, days ago, no new sign
    "t-boned at a junction on Saturday, A&E x-rayed my neck, nothing broken, still stiff turning my head, no tingling",
    "前天被后面的车追尾，当天医院拍片没问题，今天脖子还是有点酸，手不麻",
    # a quoted warning, the signs not had
    "the leaflet says 'come back straight away if your fingers go blue, cold or numb' - they're pink and warm, just itchy under the cast",
    # a pain score is the whole complaint's, not the calf's; the calves said soft
    "day 4 after hip replacement, thigh bruised down to the knee, pain 5/10 on tablets, calves soft, no fever",
    "3 weeks after knee replacement, knee still warm and puffy, calf looks normal, no fever, wound dry",
    # heartburn with the heart's questions answered; a gout flare touched by the quilt; a bunion for years
    "喝完酒吃了火锅，胸口烧得慌，一直反酸，胳膊不痛，也不喘",
    "半夜大脚趾突然红肿发烫，被子碰一碰都痛得受不了，没发烧",
    "bony bump sticking out at the side of my big toe, been getting bigger for years, rubs in shoes, no wound",
])
def test_round_49_no_false_emergency(text: str) -> None:
    r = assess(text)
    assert r.urgency != "emergency", r.evidence


@pytest.mark.parametrize(("text", "flag"), [
    # twins: numbness after a crash whatever the first check said; a burning chest with sweating and arm pain; a calf
    # swollen and sore on one side after an operation; a warning followed by the sign itself
    ("car crash this morning, A&E said x-rays all clear, now both legs are numb", "high_energy_trauma"),
    ("胸口烧得慌，反酸，出冷汗，左边胳膊也痛", "acute_coronary"),
    ("knee replacement 6 days ago, right calf swollen and sore, left calf looks normal", "dvt"),
    ("they told me 'come back if your toes go cold' - well my toes are cold and white now under the cast", "neurovascular"),
])
def test_round_49_twins_still_raise(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


@pytest.mark.parametrize("text", [
    "knee replacement 12 days ago, the bottom of the wound is red and there's a little yellow fluid on the dressing, no fever",
    "髋关节置换术后10天，刀口有点红，纱布上有黄水，不发烧",
])
def test_round_49_a_red_or_weeping_operation_wound_is_urgent(text: str) -> None:
    r = assess(text)
    assert r.urgency == "urgent" and "postop_wound_concern" in {h.code for h in r.flag_details}, r.evidence


# Round 50 (session 2026-12-07, blind batches BN and BO), new phrasings with their twins
@pytest.mark.parametrize(("text", "flag"), [
    ("Phone f/u: day 3 after ORIF ankle, wife says toes dusky and numb, cap refill sluggish", "neurovascular"),
])
def test_round_50_emergencies(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


@pytest.mark.parametrize(("text", "department", "urgency"), [
    ("Referral: 71F, progressive clumsiness of both hands over 4 months, unsteady walking, Hoffmann positive. ?CSM", "spine", "urgent"),
    ("neck pain down to my left thumb, hands not clumsy, walking fine", "spine", "routine"),
    ("我奶奶八十了，骨质疏松多年，昨天弯腰拿东西，腰一下子疼得起不来", "spine", "urgent"),
    ("这几个月大腿根疼，走路一瘸一拐，喝了二十年酒", "joint", "routine"),
    ("我爸换膝关节十天，伤口有点渗液，不发烧", "joint", "urgent"),
    ("my mum slipped on ice, her wrist is swollen and bent like a dinner fork, fingers warm and moving", "trauma", "urgent"),
    ("感冒一个礼拜了，一咳嗽右边肋骨就疼，没摔没碰，不胸闷", "other", "routine"),
    ("發燒兩天，小便又痛又頻，腰有點痠", "other", "urgent"),
    ("my 2 year old fell off the sofa this morning and has been limping since", "pediatric", "urgent"),
    ("I swung my toddler by the arms at the park, now she won't use her left arm, holding it still", "pediatric", "urgent"),
    ("my son is 15, his shin hurts every night and wakes him up, and he's lost a lot of weight", "bone_tumor", "urgent"),
    ("喝完酒躺下胸口就烧心，泛酸水，胳膊不疼，不喘，好几年了", "other", "routine"),
    ("since my baby was born my right wrist hurts at the thumb side when I lift her", "hand", "routine"),
    ("孙子手臂骨折打石膏两个礼拜了，手指头暖热的，动得蛮好，啥时候拆", "pediatric", "routine"),
])
def test_round_50_department_and_urgency(without_urgency_model: None, text: str, department: str, urgency: str) -> None:
    r = assess(text)
    assert (r.department, r.urgency) == (department, urgency), (r.scores, r.conditions, r.evidence)


def test_round_50_toes_said_not_cold_are_not_cold() -> None:
    # the ward-note template ("hand cool and pale") no longer reads across a "not"
    assert not any(f.concept == "sym.cold" and not f.negated for f in extract("his toes are not cold").findings)


# Round 51 (session 2026-12-07): the commonest wrong departments left, in new words, with their twins
@pytest.mark.parametrize(("text", "department", "urgency"), [
    # carpal tunnel that drops things is the hand's; clumsy hands that walk like a drunk are the spine's (myelopathy)
    ("numb thumb, index and middle finger every night, shaking the hand helps, sometimes I drop my keys", "hand", "routine"),
    ("dad's hands numb on both sides, can't do his buttons, and he walks like drunk lately", "spine", "urgent"),
    # soreness after a session told many ways
    ("went bouldering for the first time, my forearms are so sore I can't open a jar", "sports", "routine"),
    ("did the bleep test in PE, now my calves and thighs are killing me on the stairs", "sports", "routine"),
    # a limb asleep from how it lay, that came back
    ("fell asleep on the sofa with my arm under me, woke with it numb, fine after a few minutes", "neurology", "routine"),
    ("打麻将坐久了，脚麻了，站起来差点摔倒，过一会儿就好了", "neurology", "routine"),
    # a teenager is no child patient; metal out after a healed fracture
    ("读高中的儿子手腕背面长了个软包，不痛，一个多月了", "hand", "routine"),
    ("my tibia rod has been in 3 years, all healed, can they remove the metal now?", "trauma", "routine"),
])
def test_round_51_departments(text: str, department: str, urgency: str) -> None:
    r = assess(text)
    assert (r.department, r.urgency) == (department, urgency), (r.scores, r.conditions, r.evidence)


@pytest.mark.parametrize(("text", "department"), [
    # twins: back pain with leg numbness is the spine's even when the numbness comes and goes; a child's wrist lump
    ("腰疼半年，坐久了腿就麻，站起来走走就好了", "spine"),
    ("我女儿8岁，手腕背面长了个软包", "pediatric"),
])
def test_round_51_twins_keep_their_department(text: str, department: str) -> None:
    assert assess(text).department == department


# Round 52 (session 2026-12-07, blind batches BP and BQ), new phrasings with their twins
@pytest.mark.parametrize(("text", "flag"), [
    ("Ortho ward: POD2 IM nail femur, analgesia escalating, pain ++ on passive knee flexion, thigh tense", "compartment"),
])
def test_round_52_emergencies(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


@pytest.mark.parametrize(("text", "department", "urgency"), [
    ("邻居说手没劲是中风的前兆，我就是手腕这根筋拧毛巾疼，说话走路都正常", "hand", "routine"),
    ("左边后背一圈起了水泡，火烧一样痛，两天了", "other", "urgent"),
    ("pain in my upper tummy after a fatty meal that goes through to my right shoulder blade, no chest pain", "other", "routine"),
    ("tripped and fell on my hand yesterday, pain at the base of my thumb, fingers fine", "trauma", "urgent"),
    ("腰疼好几年了，这两天左脚背抬不起来，走路拖着脚，小便正常", "spine", "urgent"),
    ("孙女三岁，我拉她手一提，她哭了，现在胳膊耷拉着不肯动", "pediatric", "urgent"),
    ("the outside of my knee hurts after about mile 6 of my long runs, no swelling", "sports", "routine"),
    ("My face drooped on one side three weeks ago, the doctor said Bell's palsy, my arms and legs are fine, it's improving", "neurology", "routine"),
    ("my 2 year old has been limping for a day, no fall, no fever, eating fine", "pediatric", "urgent"),
    ("School nurse: pupil (11 y), one shoulder higher and a rib hump on forward bend at screening", "pediatric", "routine"),
])
def test_round_52_department_and_urgency(without_urgency_model: None, text: str, department: str, urgency: str) -> None:
    r = assess(text)
    assert (r.department, r.urgency) == (department, urgency), (r.scores, r.conditions, r.evidence)


@pytest.mark.parametrize(("text", "flag"), [
    # twins: a sign the patient has, however a neighbour named it; a new droop with a weak arm even if 'Bell's' is said
    ("邻居说这是中风的前兆，我爸今天突然一边手脚没劲，说话也不清楚", "stroke"),
    ("my mum's face dropped this morning and her right arm is weak, her friend says it's just Bell's palsy", "stroke"),
])
def test_round_52_twins_still_raise(text: str, flag: str) -> None:
    assert flag in assess(text).red_flags


# Round 53 (session 2026-12-07): false emergencies left over the corpus, new words, and the signs a veto must never hide
@pytest.mark.parametrize("text", [
    "昨晚枕头太高，今早落枕了，脖子转不动，手不麻",
    "手指一碰冷水就发白发紫，暖和了又变红，好多年了，冬天更厉害",
    "my mum's big toe leans in more every year, the bump is red where her shoe rubs, can it be operated?",
    "手指头被机器夹了一下，指甲下面黑了，肿，血止住了，手指能弯",
    "电动车在小区里慢慢骑，滑倒了擦破手肘，脖子腰都不痛",
    "术后第3天，诉切口疼痛，评分3分，足背动脉搏动好，小腿软",
    "quick question - if my hand went numb in the cast what should I do? it's all fine now, fingers pink",
    "右脚大拇趾往里面歪，旁边鼓起一个包，穿鞋磨得痛",  # 往里面歪 is a toe, not a face (闽 面歪一爿)
])
def test_round_53_no_false_emergency(text: str) -> None:
    r = assess(text)
    assert r.urgency != "emergency", r.evidence


@pytest.mark.parametrize(("text", "flag"), [
    # a stiff neck told with a stroke's or a heart's signs is no stiff neck
    ("阿公今早讲话大舌，面歪一爿，伊讲是落枕", "stroke"),
    ("老豆话落枕，膊头痛，心口好翳，抖唔到气，成身冷汗", "acute_coronary"),
    ("左边手膀子痛 心口闷 穿不过气 出了一身汗", "acute_coronary"),  # 心口 stays a site beside 闷
    # a hand, not only a finger, crushed in a machine is still a compartment risk
    ("右手整只手被机器轧了，肿得很厉害", "compartment"),
])
def test_round_53_twins_still_raise(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


# Round 54 (session 2026-12-07, blind batches BR and BS), new phrasings with their twins
@pytest.mark.parametrize(("text", "department", "urgency"), [
    ("my 3 year old's hand, I pulled it once crossing the road, now he won't move the arm", "pediatric", "urgent"),
    ("我个女两岁，我拉住佢只手扯咗一下，佢而家唔肯郁只手", "pediatric", "urgent"),
    ("发烧两天，打摆子，尿尿又痛又急，右边腰眼痛", "other", "urgent"),
    ("去年摔断了锁骨，八个月了拍片说还没长上，胳膊抬起来疼", "trauma", "routine"),
    ("chest hurts on the left when I press on the ribs, after a week of coughing, ECG and troponin normal", "other", "routine"),
    ("I had a car crash back in 2018, all checked and cleared, my lower back aches after long shifts now", "spine", "routine"),
    ("我奶奶79岁，早上拎了一壶水，后背咯噔一下，现在腰疼得翻不了身", "spine", "urgent"),
    ("打篮球落地膝盖'啪'一声，马上就肿了，现在走路打软腿", "sports", "urgent"),
    ("糖尿病十几年，两只脚麻，像踩在棉花上，手不笨，扣子都能扣", "neurology", "routine"),
    ("since two days my left foot slaps when I walk, I was squatting long hours in the paddy, no back pain", "neurology", "urgent"),
    ("石膏拆了一个礼拜，手腕还是硬，转不动，手指不麻", "trauma", "routine"),
])
def test_round_54_department_and_urgency(without_urgency_model: None, text: str, department: str, urgency: str) -> None:
    r = assess(text)
    assert (r.department, r.urgency) == (department, urgency), (r.scores, r.conditions, r.evidence)


@pytest.mark.parametrize(("text", "flag"), [
    # twins: a diabetic whose hands are clumsy too walks on cotton from the neck; a burning chest with breathlessness
    # after an ECG; a crash this morning; a knee that popped two weeks ago is not urgent (no flag)
    ("糖尿病多年，两只手笨，扣子扣不上，走路像踩棉花", "myelopathy"),
    ("ECG was normal yesterday but today the chest pain is crushing and I'm short of breath and sweating", "acute_coronary"),
    ("car crash this morning, my lower back is killing me", "high_energy_trauma"),
])
def test_round_54_twins_still_raise(text: str, flag: str) -> None:
    assert flag in assess(text).red_flags


def test_round_54_a_year_before_this_one_dates_the_story() -> None:
    assert any(f.concept == "ctx.past_event" for f in extract("had a bad fall in 2017, fine since").findings)
    assert not any(f.concept == "ctx.past_event" for f in extract("I paid 2000 yuan for the scan").findings)


# Round 55 (session 2026-12-07, blind batches BT and BU), new phrasings with their twins
@pytest.mark.parametrize(("text", "flag"), [
    ("远程会诊：患儿3岁，肱骨骨折，家长说是自己摔的，身上多处新旧不一的淤青，说法前后矛盾", "child_safeguarding"),
])
def test_round_55_emergencies(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


@pytest.mark.parametrize(("text", "department", "urgency"), [
    ("崴了脚，肿得像个馒头，踩不得地，脚趾头热乎乎的有感觉", "foot_ankle", "urgent"),
    ("Face drooped on the left two days ago, GP said Bell's palsy, arms and legs perfectly fine, speech grand", "neurology", "urgent"),
    ("骑电动车速度不快自己摔了，手腕骨折打了夹板，手指暖暖的能动，不麻，脖子背都不痛", "trauma", "urgent"),
    ("sciatica down my right leg for 4 days and now my big toe feels weak when I lift it, peeing normal", "spine", "urgent"),
    ("蹲着干了一下午活，站起来右脚就抬不起来了，走路脚尖拖地，腰不疼", "neurology", "urgent"),
    ("我大脚趾往外歪得厉害，那块骨头磨得通红，穿鞋疼", "foot_ankle", "routine"),
    ("diabetic 12 years, a wound under my big toe 3 weeks, a bit red round it and a little smell, no fever, foot warm", "foot_ankle", "urgent"),
    ("孩子五岁，上周发烧感冒，现在不烧了，能跑能跳，就是走快了有点拐，说大腿根疼", "pediatric", "routine"),
    # a known gout patient's usual flare, out of tablets: every author calls it routine (a refill and a review)
    ("out of allopurinol for a fortnight and my big toe flared again, no fever", "rheumatology", "routine"),
    ("my feet burn and tingle at night, diabetic for 20 years, no back pain", "neurology", "routine"),
    ("无名指一弯就卡住，要用另一只手掰直", "hand", "routine"),
    ("my knees have been playing up for years, worse on the stairs, stiff first thing", "joint", "routine"),
])
def test_round_55_department_and_urgency(without_urgency_model: None, text: str, department: str, urgency: str) -> None:
    r = assess(text)
    assert (r.department, r.urgency) == (department, urgency), (r.scores, r.conditions, r.evidence)


@pytest.mark.parametrize(("text", "flag"), [
    # twins: a fever now with a child's painful hip; a fast crash onto the wrist; a diabetic foot cold and black
    ("孩子四岁，发烧两天了，现在还在烧，说大腿根疼，不肯走路", "septic_joint"),
    ("骑摩托车速度很快撞上了护栏，手腕骨折，脖子也痛", "high_energy_trauma"),
])
def test_round_55_twins_still_raise(text: str, flag: str) -> None:
    assert flag in assess(text).red_flags


def test_round_55_a_fever_that_is_over() -> None:
    r = assess("前几天发烧，今天不烧了，膝盖有点疼，走路正常")
    assert "septic_joint" not in r.red_flags, r.evidence


# Round 56 (session 2026-12-07, blind batches BV and BW), new phrasings with their twins
@pytest.mark.parametrize(("text", "department", "urgency"), [
    ("My dad had bone cancer so I worry, but it's just plantar pain under my heel first thing in the morning", "foot_ankle", "routine"),
    ("cut my thumb on a broken glass, 3 stitches yesterday, now I can't bend the tip of it", "hand", "urgent"),
    ("my shoulder has dislocated twice before, both put back in the ER, now it feels loose when I throw", "sports", "routine"),
    ("my 14 year old has pain above the knee that wakes him at night and a hard lump that seems bigger", "bone_tumor", "urgent"),
    ("72M, 2/12 L hip pain worse at night, wt loss 5 kg, NV intact", "bone_tumor", "urgent"),
    ("my 6 year old is limping and won't put weight on his left leg, no temp, no fall", "pediatric", "urgent"),
    ("GP asked about my bladder and numbness in the saddle area and I have none of that, just leg pain from sciatica", "spine", "routine"),
    ("腰眼一阵一阵绞痛，痛得直冒汗，小便有点红，以前有过肾结石", "other", "urgent"),
    ("小腿红了一大片，摸着发烫，这两天一天比一天往上窜，不发烧", "other", "urgent"),
    ("Bell's palsy diagnosed yesterday, GP started steroids, arms and legs fine, speech fine, who follows up?", "neurology", "routine"),
])
def test_round_56_department_and_urgency(without_urgency_model: None, text: str, department: str, urgency: str) -> None:
    r = assess(text)
    assert (r.department, r.urgency) == (department, urgency), (r.scores, r.conditions, r.evidence)


@pytest.mark.parametrize(("text", "flag"), [
    # twins: the mother's own cancer and back pain written by her child; the saddle numbness the patient answers yes
    # to; a shoulder that came out again this morning is a fresh dislocation (urgent, no flag) — see the urgency test
    ("my mum had breast cancer 5 years ago and now her back hurts at night", "malignancy"),
    ("the GP asked about numbness down below and I said yes, I can't feel the toilet paper", "cauda_equina"),
])
def test_round_56_twins_still_raise(text: str, flag: str) -> None:
    assert flag in assess(text).red_flags


def test_round_56_a_shoulder_out_again_this_morning_is_urgent() -> None:
    r = assess("my shoulder popped out again this morning at football, like the last three times, I put it back myself")
    assert r.urgency == "urgent", r.evidence


# Round 57 (session 2026-12-07, blind batches BX and BY), new phrasings with their twins
@pytest.mark.parametrize(("text", "department", "urgency"), [
    ("my wrist fracture from the fall on the ice is 6 months old and still aches, x-ray shows it has not joined", "trauma", "routine"),
    ("我爸七十多了，膝盖退化要换关节，他以前胸口痛查过心脏，心脏都正常", "joint", "routine"),
    ("晚上一躺下两条腿里面像有虫子在爬，非得下地遛达一圈才舒坦", "neurology", "routine"),
    ("手背上长了个软包，我妈说是肿瘤，医生摸了说是腱鞘囊肿", "hand", "routine"),
])
def test_round_57_department_and_urgency(without_urgency_model: None, text: str, department: str, urgency: str) -> None:
    r = assess(text)
    assert (r.department, r.urgency) == (department, urgency), (r.scores, r.conditions, r.evidence)


def test_round_57_a_babys_months_are_still_an_age() -> None:
    # twin: the fracture's age is not the patient's, the baby's still is
    assert extract("my baby is 8 months old and his thigh is swollen").age == 8 / 12
    assert extract("my collarbone fracture from the bike fall is 8 months old").age is None


def test_round_57_a_patients_own_bells_palsy_guess_with_half_the_questions_is_still_a_stroke() -> None:
    # review: "either answer" (round 52) needs a clinician who saw it; the patient's own guess stays the stroke rule's
    r = assess("my face dropped on one side this morning, arms fine, I think it's Bell's palsy")
    assert r.urgency == "emergency" and "stroke" in r.red_flags, r.evidence


# Round 58 (session 2026-12-07, blind batches BX and BY: departments and urgency), new phrasings with their twins
@pytest.mark.parametrize(("text", "department", "urgency"), [
    ("my daughter is 12, plays football, there's a hard bump under both knees that hurts after matches, she's growing fast", "pediatric", "routine"),
    ("孙子十二岁，天天打球，膝盖下面鼓起一个硬坨，跪下就痛", "pediatric", "routine"),
    ("我条大髀有嚿嘢，几个月大咗好多，夜晚有时痛", "bone_tumor", "urgent"),
    ("爷爷前年中过风，左手一直攥着拳伸不开，不是新的", "neurology", "routine"),
    ("滑雪摔了个大跟头，手脖子肿起来了，一动就疼，手指头不麻", "trauma", "urgent"),
    ("我牵着孙子过马路，一拉他就哭，现在那只手耷拉着不肯抬", "pediatric", "urgent"),
    ("knee replaced 2 weeks ago, the wound is still 渗水 a bit, no fever", "joint", "urgent"),
])
def test_round_58_department_and_urgency(without_urgency_model: None, text: str, department: str, urgency: str) -> None:
    r = assess(text)
    assert (r.department, r.urgency) == (department, urgency), (r.scores, r.conditions, r.evidence)


@pytest.mark.parametrize(("text", "department"), [
    # twins: an old stroke told beside a new painful shoulder is the shoulder's; a teenager's growing lump above the knee
    # with night pain is the bone tumour service's
    ("我爸五年前中过风，左边一直没劲，最近右肩膀疼，胳膊抬不起来", "sports"),
    ("my son is 15, a hard lump above his knee that keeps getting bigger and hurts at night", "bone_tumor"),
])
def test_round_58_twins_keep_their_department(text: str, department: str) -> None:
    assert assess(text).department == department


def test_round_58_a_babys_car_seat_is_no_carers_word() -> None:
    # review: "car seat" as a carer's word dropped a 3-month-old's age and hid a safeguarding story (reverted)
    r = assess("3mo baby, mom says the bruises on his cheek and chest came from the car seat strap, won't move his left arm")
    assert "child_safeguarding" in r.red_flags, r.evidence


# Round 59 (session 2026-12-07, third: the whole corpus — a cancer history beside an activity pain, a kneeler's bursitis,
# myelopathy and tendon ruptures told without their textbook words), new phrasings with their twins
@pytest.mark.parametrize(("text", "departments", "urgency"), [
    ("我妈得过乳腺癌，治好了，我这两天爬山膝盖疼，晚上睡觉不疼，体重也没掉", {"sports", "joint"}, "routine"),
    ("had a basal cell carcinoma cut off my cheek last year, now my hip aches after long walks", {"joint"}, "routine"),
    ("I had bowel cancer three years ago, all clear; my shoulder aches after painting, it doesn't hurt at night", {"sports"}, "routine"),
    ("需要查骨转移吗？我乳腺癌五年了，最近脚踝扭了", {"foot_ankle", "sports"}, "routine"),
    ("铺地砖跪了一个礼拜，膝盖前面鼓起一个软包，不红不热", {"joint", "sports"}, "routine"),
    ("儿子十三岁，膝盖下面凸起来一块，踢完球就痛", {"pediatric"}, "routine"),
    ("孩子长得快，这半年蹿了十公分，晚上两条腿酸", {"pediatric"}, "routine"),
    ("my husband keeps dropping his pen and his handwriting has gone messy, walking feels like on sponge", {"spine"}, "urgent"),
    ("我爸手指头不太灵活，扣子都扣不好", {"spine"}, "urgent"),
    ("playing squash I felt like someone kicked me in the back of the ankle, now I can't tiptoe", {"sports", "foot_ankle"}, "urgent"),
    ("搬水泥的时候胳膊肘前面啪的一声，肘窝青了，大臂上面的肉缩成一团", {"sports", "trauma"}, "urgent"),
    ("tucking in the sheets I caught my finger, now the tip of my finger droops and won't straighten", {"hand"}, "urgent"),
    ("切菜割到手指，缝了针，现在那根手指弯不下去", {"hand"}, "urgent"),
    ("first time at the gym yesterday, both thighs and arms are so sore today, no swelling, pee is normal", {"sports"}, "routine"),
])
def test_round_59_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str) -> None:
    r = assess(text)
    assert r.department in departments and r.urgency == urgency, (r.scores, r.conditions, r.evidence)


@pytest.mark.parametrize(("text", "department", "flag"), [
    # twins: night pain with a cancer, a spine with a cancer even when the nights are quiet (NICE NG59), a lump that grows
    ("乳腺癌病史，这个月腿疼，晚上疼得睡不着", "bone_tumor", "malignancy"),
    ("肺癌术后，最近腰疼，晚上不疼", "bone_tumor", "malignancy"),
    ("膝盖前面鼓起一个包，越长越大，晚上痛", "bone_tumor", "malignancy"),
    ("log splitter pinched his forearm this morning, now it's hard and he screams when I straighten his fingers", "emergency", "compartment"),
])
def test_round_59_twins_keep_their_flag(text: str, department: str, flag: str) -> None:
    r = assess(text)
    assert r.department == department and flag in r.red_flags, r.evidence


def test_round_59_one_dropped_thing_is_no_clumsy_hand() -> None:
    # twin: dropping keys once (or a phone on a toe) is an accident, not myelopathy
    assert "myelopathy" not in assess("I dropped my keys in the car park and twisted my ankle").red_flags
    assert "myelopathy" not in assess("dropped my phone on my toe yesterday, it's bruised").red_flags


def test_round_59_night_answer_does_not_cover_its_negator() -> None:
    # review: 夜晚都冇痛醒 — the night answer ends before 冇, which still negates 痛醒 (a composition that covered it made
    # the night pain positive)
    ex = extract("今年摸落大细同以前一样，唔痛，夜晚都冇痛醒，体重正常")
    assert any(f.concept == "ctx.night_ok" for f in ex.findings)
    assert all(f.negated for f in ex.findings if "sym.night_pain" in f.tags)


# Round 60 (session 2026-12-07, third: blind batches BZ and CA — referral letters and pre-alerts, a cancer's unsteady
# walk, a bone that cracked after months of night pain, afebrile words, a child named who is not the patient, a child's
# new limp), new phrasings with their twins
@pytest.mark.parametrize(("text", "flag"), [
    ("Ref: Mr K. Adeyemi, 66, prostate Ca with spinal mets, back pain worse, now unsteady on his feet since yesterday", None),
    ("Pre-hospital note: restrained passenger, car vs lamp post at 60 mph, c/o neck pain", "high_energy_trauma"),
    ("14yo, thigh ache at night for weeks, lost weight; tonight heard a crack stepping off the bus, can't stand on it", None),
    ("Re: girl, 3 months, bruise on her cheek, mum says she rolled, history does not fit", "child_safeguarding"),
    ("Referral: 71F, known myeloma, new thoracic back pain, power 4/5 both legs", None),
])
def test_round_60_emergencies(text: str, flag: str | None) -> None:
    r = assess(text)
    assert r.urgency == "emergency", r.evidence
    assert flag is None or flag in r.red_flags, r.red_flags


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    ("Pre-hospital note: car vs cyclist? no — patient tripped on the kerb, ankle sore", {"foot_ankle", "trauma"}, "routine"),
    ("Referral: 45M L5 radic, EHL 4+/5, bladder fine", {"spine"}, "routine"),
    ("我们湘里妹坨五岁，冒发烧，腿有点痛", {"pediatric"}, "routine"),
    # a knee that aches on stairs, age untold: arthritis or patellofemoral pain (the department model says sports)
    ("UTI with fever last month, afebrile since, knee aches on stairs", {"joint", "sports"}, "routine"),
    ("headaches one side with zigzag lights first, my neck gets stiff during them", {"neurology"}, "routine"),
    ("上完厕所手纸上有血，屁股那里有个小疙瘩", {"other"}, "routine"),
    ("2 weeks after my lumbar decompression, the scar is itchy, no fever", {"spine"}, "routine"),
    ("减肥三个月瘦了十斤，是故意的，最近膝盖上楼疼", {"joint", "sports"}, "routine"),
    ("helping my son move house I strained my back", {"spine"}, "routine"),
    ("我女儿非要我来看看，我这腰疼了一个月", {"spine"}, "routine"),
    ("my 5 year old woke up limping this morning, no fever", {"pediatric"}, "urgent"),
    ("my son is 12, a bit heavy, limping for two weeks, knee pain, no injury", {"pediatric"}, "urgent"),
    ("my 7 year old has been limping since his new school shoes gave him a blister", {"pediatric", "foot_ankle"}, "routine"),
])
def test_round_60_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str) -> None:
    r = assess(text)
    assert r.department in departments and r.urgency == urgency, (r.scores, r.conditions, r.evidence)


def test_round_60_twins() -> None:
    # weight lost without trying still raises malignancy; an angle is no temperature; 感冒发烧 is a fever told, not denied
    assert "malignancy" in assess("lost 10 kg in three months without trying, my knee aches on stairs").red_flags
    assert not any("sym.fever" in f.tags for f in extract("SLR +ve at 40°").findings)
    fevers = [f for f in extract("前几天感冒发烧，膝盖酸").findings if "sym.fever" in f.tags]
    assert fevers and not any(f.negated for f in fevers)
    assert extract("my daughter (11) hurt her wrist").age == 11
    assert extract("Mr Smith, 45 minutes ago he fell").age is None


# Round 61 (session 2026-12-07, third: blind batches CB and CC — an arm ache with sweating and breathlessness, a
# referral's "diaphoretic, SOB", a shin bent under a wound, a scan that was clear, a chest infection's aching knees,
# sayings and feelings that are not events), new phrasings with their twins
@pytest.mark.parametrize(("text", "flag"), [
    (("Security guard, 58. Thought I strained my right shoulder lifting a box, the ache goes down my arm, I'm sweating "
      "and have to stop to catch my breath"), "acute_coronary"),
    ("Ref: 70F 'neck and L arm pain' 30 min at rest, radiating to jaw, diaphoretic, SOB", "acute_coronary"),
    ("梯子倒了，小腿磕在台阶上，肿了，看着有点往外拐，皮上有个口子在渗血", "open_fracture"),
    ("my knee is hot and swollen and I have a fever", "septic_joint"),
])
def test_round_61_emergencies(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    ("my arm aches after the gym, no sweating, breathing fine", {"sports"}, "routine"),
    (("started boxing, sharp pain where the rib meets the breastbone, pressing on it makes it worse, no shortness of "
      "breath, no sweating"), {"trauma", "sports"}, "routine"),
    ("diabetic, checked my temperature twice, no fever, low back pain after lifting a wardrobe, peeing fine", {"spine"}, "routine"),
    ("fell 2 m off a ladder 5 days ago, the CT of my back was clear, still sore, no numbness", {"spine", "trauma"}, "routine"),
    ("my granddad is 79, cough and fever for 3 days, a bit short of breath, his knees ache as usual", {"other"}, "urgent"),
    ("篮球落地扭了一下，膝盖里咔吧一声，当时就肿了，三天了", {"sports"}, "urgent"),
    ("打篮球扭了膝盖，俩月了，一转身就打软，老觉得膝盖要错位", {"sports"}, "routine"),
    ("网上说骨质疏松一碰就骨折，我六十了，骨密度低，腰不疼", {"spine", "rheumatology"}, "routine"),
    ("连着上了一周夜班，脖子发紧，手脚不麻", {"spine"}, "routine"),
    ("昨天打了流感疫苗，打针那个胳膊肿了一块，有点疼", {"other"}, "routine"),
    ("my 6 year old fell off the trampoline yesterday and limped, today he is running around, no fever, nothing swollen",
     {"pediatric"}, "routine"),
])
def test_round_61_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str) -> None:
    r = assess(text)
    assert r.department in departments and r.urgency == urgency, (r.scores, r.conditions, r.evidence)


def test_round_61_twins() -> None:
    # a fracture that happened is still one; 俩月 is two months; a week of night shifts is no baby's age
    assert "cond.fracture" in {f.concept for f in extract("奶奶骨质疏松，昨天扶了一下桌子，手腕一碰就骨折了").findings if not f.negated}
    assert extract("这都俩月了，腿一打软").duration_days == 60
    assert extract("连着上了一周大夜班，脖子发紧").age is None
    assert extract("hello doc my lola is 80, she has cough").age == 80


# Round 62 (session 2026-12-07, third: blind batches CD and CE — an infant's note in months and sex, Jamaican chest
# pain, a relative who died of a cancer, stress incontinence, renal colic, weight lost on purpose, the funny bone, a
# stiff wrist after its cast, mastitis, a stone in a toddler's shoe, a slow crash, a slipped disc asked about), new
# phrasings with their twins
@pytest.mark.parametrize(("text", "flag"), [
    ("Note: 9mo F brought by uncle, 'fell off the bed', swollen R forearm, bruises on both ears of different colours",
     "child_safeguarding"),
    ("Mi chest a squeeze mi like smaddy siddung pon it an di pain run dung mi lef arm, mi cyaan ketch mi breath",
     "acute_coronary"),
    ("my mum had breast cancer and now her shoulder is red, hot and swollen with a fever", "septic_joint"),
    ("乳腺癌化疗中，肩膀红肿发热，发烧39度", "septic_joint"),
])
def test_round_62_emergencies(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    ("我爸之前是肺癌走的，我这两天打球扭了脚踝，有点肿", {"foot_ankle", "sports"}, "urgent"),
    ("生完孩子两个月，一咳嗽就漏尿，腰不疼，屁股不麻", {"other"}, "routine"),
    ("腰右边一阵一阵绞着疼，坐不住躺不住，尿里带点红", {"other"}, "urgent"),
    ("keto since spring, lost 12 kg on purpose, knee aches on stairs", {"joint", "sports"}, "routine"),
    ("手肘撞到门框的麻筋，麻了几秒，现在没事了", {"hand", "neurology"}, "routine"),
    ("石膏拆了一周，手腕子硬邦邦的，转不动，手指不麻", {"trauma", "hand"}, "routine"),
    ("哺乳期，左边乳房红肿发硬，发烧38.5，浑身关节酸", {"other"}, "urgent"),
    ("孙子三岁走路一瘸一拐，原来鞋里有个石子，倒出来就好了", {"pediatric"}, "routine"),
    ("rear-ended at about 15 km/h, airbag didn't go off, neck a bit stiff, no numbness", {"spine", "trauma"}, "routine"),
    (("sat cross-legged for two hours, my foot went numb and floppy, tripped, fine ten minutes later. Is that a slipped "
      "disc?"), {"spine", "neurology"}, "routine"),
    ("刷抖音看到一个小伙子腰疼查出来是癌，我搬东西闪了腰，不发烧", {"spine"}, "routine"),
    ("我爸76了，搬花盆闪了腰，不发烧，大小便正常，腿不麻", {"spine"}, "routine"),
    ("打麻将盘腿坐久了，站起来脚麻，过了几分钟就好了", {"spine", "neurology"}, "routine"),
])
def test_round_62_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str) -> None:
    r = assess(text)
    assert r.department in departments and r.urgency == urgency, (r.scores, r.conditions, r.evidence)


# Round 63 (session 2026-12-07, third: blind batches CF and CG — 吴 脚馒头 replaced, "reduced sensation wiping",
# dyspepsia in a young adult, a clot excluded by a scan, a screened crush already X-rayed, a 客家 pulled elbow, a flu
# that is over, a dialysis fistula, a catheter's retention that resolved, an enlarged prostate, a punch to the chest,
# cooking (烧饭) and fever medicine (退烧药) that are no fever), new phrasings with their twins
@pytest.mark.parametrize(("text", "flag"), [
    ("姆妈上礼拜刚换好脚馒头，今朝小腿肚胀得硬邦邦，比另一只粗一圈", "dvt"),
    ("Phone note: 50M, LBP, new sciatica both legs 3/7, reduced sensation wiping, unsure about bladder", "cauda_equina"),
    ("我爸发烧39度，打摆子，腰疼，他吃激素的，能不能先开点退烧药", "spinal_infection"),
])
def test_round_63_emergencies(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    (("my husband is 64, pain on the right of his chest when he turns in bed, if I press there with the finger he "
      "shouts, breathing fine, no sweating"), {"other", "trauma", "sports"}, "routine"),
    ("二十八岁，心口窝底下疼，吃完油腻的更胀，老打嗝反酸，别的没事", {"other"}, "routine"),
    ("心口痛，一吃饱饭就烧，打嗝反酸，吃了胃药就好，爬楼不喘，手也不痛", {"other"}, "routine"),
    ("膝盖手术后一个月，小腿肿，急诊做了超音波说没有血栓，现在慢慢消了", {"joint", "sports"}, "routine"),
    ("捉紧佢只手拉起来，佢就噭，手垂落来毋肯动，佢两岁", {"pediatric"}, "urgent"),
    ("my dad has ankylosing spondylitis, had the flu with a fever, fever is gone now, back as usual", {"rheumatology"}, "routine"),
    ("我妈透析的内瘘今天摸起没有震动了，手不痛不肿", {"other"}, "urgent"),
    ("术后第一天尿不出来，导尿了，拔掉尿管以后就正常了，屁股不麻，腿有力", {"other", "joint", "spine"}, "routine"),
    ("爷爷前列腺增生，吃了药尿得好了，腰酸是老毛病，屁股周围不麻", {"spine", "other"}, "routine"),
    ("外婆昨日滑了一跤，今朝照常烧饭，屁股上一块乌青，走路勿痛", {"trauma"}, "routine"),
])
def test_round_63_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str) -> None:
    r = assess(text)
    assert r.department in departments and r.urgency == urgency, (r.scores, r.conditions, r.evidence)


def test_round_63_twins() -> None:
    # a punch to the chest with breathing fine is an injury, not the heart; a crush already X-rayed with a pink, feeling
    # hand is the fracture rules'; 烧 after a meal is heartburn, 烧到39度 is a fever
    assert assess("练咏春被一拳打中心口，深呼吸和按下去才痛，唔气促，手唔痛").urgency != "emergency"
    assert assess("工地上钢管砸到手腕，肿了，镇上拍片说骨折没移位，手指颜色正常不麻").urgency != "emergency"
    assert any(not f.negated for f in extract("昨晚一下子烧到39度，腰疼").findings if "sym.fever" in f.tags)


# Round 64 (session 2026-12-07, third: blind batches CH and CI — a care home's retention and numb saddle in someone
# who cannot say so, pain brought on by pressing told backwards, a friend's or a TV programme's cancer, renal colic
# with a stone history, a leg numb after squatting, 喘气不疼, a flu's "hit by a bus"), new phrasings with their twins
@pytest.mark.parametrize(("text", "departments", "urgency"), [
    (("Care home: Mrs K (dementia, known stenosis) found on floor, today holding her back, pad bone dry since 6am, lower "
      "tummy firm"), {"emergency"}, "emergency"),
    ("Wee twinge in my chest when I twist, sore if I press on the spot, breathing's fine, nae sweating", {"other", "sports"}, "routine"),
    (("my friend was just diagnosed with bone cancer after back pain; my own back hurts since gardening, sleeping fine"),
     {"spine"}, "routine"),
    ("看养生节目说腰疼可能是骨转移，吓坏了，我这腰是搬柜子闪的，晚上躺下就不疼", {"spine"}, "routine"),
    ("腰右边绞着痛，疼得在床上打滚，尿有点发红，以前有肾结石", {"other"}, "urgent"),
    ("蹲久了站起来一条腿一下子麻了，过了几分钟就好了，说话清楚，走路正常", {"neurology", "spine"}, "routine"),
    ("sore all over like I've been hit by a truck, fever and sore throat", {"other"}, "routine"),
])
def test_round_64_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str) -> None:
    r = assess(text)
    assert r.department in departments and r.urgency == urgency, (r.scores, r.conditions, r.evidence)


def test_round_64_twins() -> None:
    # a sudden one-sided numbness without a posture is still the stroke's; a real bus is still high-energy
    assert "stroke" in assess("my right arm and leg suddenly went numb while sitting at my desk").red_flags
    assert "high_energy_trauma" in assess("I was hit by a bus this morning, my hip hurts").red_flags
    assert assess("体育课单杠撞了一下胸口，压着疼，喘气不疼，活蹦乱跳的").urgency != "emergency"


def test_review_a_relative_who_walked_is_no_relative_who_died() -> None:
    # review of round 62: 走了 alone is walking — the mother who walked a few steps and fell is the patient
    r = assess("我妈走了几步就摔了，大腿根疼，站不起来，她八十了")
    assert r.urgency == "emergency", r.evidence
    assert "malignancy" not in assess("我爸肺癌走的，我最近膝盖疼，打球扭了一下").red_flags


def test_review_a_cancer_feared_to_be_coming_back_is_a_cancer_had() -> None:
    # review of rounds 59-64: "is that / is this … coming back" asks about the patient's own cancer (feared_unless)
    for text in ("My back hurts at night, is that my breast cancer coming back?",
                 "My back hurts at night, is this my breast cancer coming back?"):
        assert "malignancy" in assess(text).red_flags, text


def test_a_swollen_calf_on_the_side_not_operated_on_is_a_clot() -> None:
    # session 2026-12-07 (fourth), blind batch CL: "non-" negated everything after it ("(non-operated side) swollen")
    note = ("District nurse visit. Mrs P, 81, day 9 post L total knee replacement, wound clean. R calf (non-operated "
            "side) swollen, 4 cm greater than L, warm and tender. Has not been taking her enoxaparin.")
    assert assess(note).urgency == "emergency"
    assert assess("day 9 post knee replacement, wound clean, calves soft and non-tender, walking with a frame").urgency != "emergency"


@pytest.mark.parametrize(("text", "flag"), [
    # round 65 (blind CN, CO; the first-scoring misses, told in the rules' own words here)
    # 吴: a week in bed after a hip replacement (换的人工的), a calf swollen and 有眼红 (a little red: not 眼红, a red eye)
    ("我姆妈上个礼拜开的髋关节，换的人工的，回来一直躺了一礼拜，今朝小腿肚子肿了，有眼红，揿下去痛", "dvt"),
    ("爸爸换了个人工的膝盖，躺了一个星期，小腿肿得老粗", "dvt"),
    # Indian English: "urine is coming very slowly, I have to press" and "could not feel the paper"
    ("back pain since Monday, both legs paining, urine is coming very slowly, I have to press", "cauda_equina"),
    ("back pain after lifting, when I went for toilet I could not feel the paper properly", "cauda_equina"),
])
def test_round_65_emergencies(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


def test_round_65_twins() -> None:
    # a slow knock is still one when the driving was slow ("very slowly" alone no longer is)
    r = assess("we were going very slowly when the van tapped us from behind, my neck is a bit stiff")
    assert r.urgency != "emergency" and "high_energy_trauma" not in r.red_flags, r.evidence
    # a red eye is still an eye; a bed-bound week with calves said normal is no clot
    assert "dvt" not in assess("换了人工的髋关节，躺了一个礼拜，两条小腿一样粗，不痛").red_flags
    assert assess("眼红，眼睛痒，有眼屎").department == "other"
    # the bladder said fine in the same words stays fine
    assert "cauda_equina" not in assess("back pain after lifting, urine is coming normally, no numbness").red_flags


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # round 66 (blind CP, CQ, scored before it; their false emergencies and wrong clinics, told in other words here)
    # someone else's story before the writer's own complaint (其他人的经历)
    ("我隔壁老张上个月换了膝盖，出院后小腿肿得老粗，说是血栓。我自己就是膝盖上下楼疼，好几年了", {"joint"}, "routine"),
    ("My neighbour had her knee replaced and her calf swelled up, it was a clot. As for me, my knees ache on the stairs.",
     {"joint"}, "routine"),
    # a warning in general words ("if you … it's an emergency"), the patient's own answer no
    ("The leaflet says if you can't pee or go numb down there it's an emergency. I pee fine, back sore from digging.",
     {"spine"}, "routine"),
    ("Di nurse seh if yuh cyaan pee yuh fi go hospital. Mi back hurt from lifting, mi pee fine, nutten numb.", {"spine"}, "routine"),
    # reflux called chest pain, the heart's two questions answered no
    ("my dad gets chest pain after big meals, a burning coming up to his throat, no arm pain, no sweating, not breathless",
     {"other"}, "routine"),
    # ice on a sprain; a sprain's bruise, walked on and not numb
    ("崴了脚，外边肿了点，还能走路，先敷点冰行不行", {"foot_ankle", "sports"}, "routine"),
    ("twisted my ankle at football, it's swollen and purple but I can walk on it, not numb", {"foot_ankle", "sports", "trauma"},
     None),
    # a Cockney swear word is no wound
    ("me knee bleedin' hurts when I kneel on it, been months", {"joint", "sports"}, "routine"),
    # 闽南 烧烧 (warm) with the fever denied; a gout flare
    ("跤目仔又红又肿，烧烧，顶回医生讲是痛风，这摆无发烧", {"rheumatology"}, None),
    # stinging, frequent passing of water with a fever: the kidney's, urgent
    ("me nan's side round the back by her kidney hurts, she's weeing loads and it stings, bit hot and shivery", {"other"},
     "urgent"),
    # shingles taken for a strained back
    ("右边腰上起了一串水泡，火辣辣地疼，还以为是腰扭了", {"other"}, "urgent"),
    # "does the plate cause cancer?" is no cancer had; a carer's Mrs is the adult patient
    ("去年腿骨折上了钢板，骨头长好了，听说钢板放里面会致癌，想取出来", {"trauma"}, "routine"),
    ("carer for Mrs Wong here, she has a soft lump on top of her wrist for a year, her son is worried", {"hand"}, "routine"),
])
def test_round_66_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str | None) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize(("text", "flag"), [
    # the twins: the same signs told as the patient's own stay emergencies
    ("隔壁老张换了膝盖，出院后小腿肿得老粗，我们该去哪个科", "dvt"),  # no own complaint after it: the neighbour may be the patient
    ("I can't pee since this morning and my back is killing me, numb down there", "cauda_equina"),
    ("chest pain after meals, burning coming up, and I get short of breath and sweaty", "acute_coronary"),
    ("崴了脚，整个脚冰凉发白，摸不到脉", "neurovascular"),
    ("twisted my ankle, it's purple and numb and bent the wrong way", "neurovascular"),
    ("fell off my bike, my shin is bent and bleeding, I can see something white", "open_fracture"),
    ("膝盖红肿，烧烧，今天发烧三十九度，走不了路", "septic_joint"),
    ("my hip is hot and swollen and I have a fever of 39", "septic_joint"),
])
def test_round_66_twins(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


def test_round_66_a_fracture_blister_is_no_shingles() -> None:
    r = assess("ankle fracture in a cast since Monday, now blisters and burning pain under the edge")
    assert r.department != "other", r.evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # round 67 (blind CR, CS, CT, CU, scored on the round-66 code; told in other words here)
    # a break that is only a way of speaking; hearsay from television
    ("搬了一天货，累得腰都快断了，睡一觉就好些", {"spine"}, "routine"),
    ("电视上说腰疼加尿不出来就得赶紧做手术，我就是坐久了腰酸，尿得挺好", {"spine"}, "routine"),
    # a fever brought down, the knee not warm
    ("上个礼拜发烧，已经退烧了，膝盖疼了好多年，有时肿一点，不热", {"joint"}, "routine"),
    # heartburn in 川渝 and Sri Lankan English
    ("吃了火锅喝了冰啤酒，心口烧起烧起的，往上冒酸水，手杆不痛也不喘", {"other"}, "routine"),
    (("burning behind the breastbone after dinner, sour water coming to my mouth, antacid helps, no pain to the arm, "
      "no breathing difficulty"), {"other"}, "routine"),
    # renal colic told in waves
    ("since morning strong pain in the right side of my back, it comes in waves, I can't sit still, urine is a bit pink",
     {"other"}, "urgent"),
    # a sprain with a cancer history
    ("I had bowel cancer 6 years ago, all clear. Twisted my ankle on a kerb yesterday, swollen on the outside, can walk",
     {"foot_ankle", "trauma"}, None),
    # restless legs, a wrist drop, Raynaud's, a pulled elbow, a mallet finger, a cut tendon
    ("我娘夜里一躺下，两只脚就像有蚂蚁来的爬，一定要起来走几步才舒服", {"neurology"}, "routine"),
    ("slept on the couch with my arm over the edge, now I can't lift my hand up at the wrist, face and speech normal",
     {"neurology", "hand"}, "urgent"),
    ("every winter my fingers go white, then blue, then red when I warm up", {"rheumatology"}, None),
    ("was swinging my 3-year-old by the hands and now she won't use her right arm, it just hangs", {"pediatric"}, "urgent"),
    ("caught my fingertip on the duvet, now the tip droops and I can't straighten the last joint", {"hand"}, "urgent"),
    ("sliced my finger on a tin can, now the tip won't bend at all", {"hand"}, "urgent"),
    # a diabetic's ulcer said in other words; a numb diabetic foot gone red, hot and swollen (Charcot)
    ("I have sugar disease, a sore under my big toe from new shoes for 3 weeks, not closing, no fever", {"foot_ankle"}, "urgent"),
    ("糖尿病十年，脚底是木的，这个月右脚背又红又肿又烫，不痛，没伤口，不发烧", {"foot_ankle", "rheumatology"}, "urgent"),
    # thirst, passing water and weight loss: a blood sugar first
    ("always thirsty, drinking pints of water, up four times a night to pee, lost weight without trying, bones are fine",
     {"other"}, None),
    # a gout flare in 闽南 words is urgent
    ("阿爸昨暗食海产，今仔日骹头拇仔红肿疼甲袂行路，无发烧", {"rheumatology", "foot_ankle"}, "urgent"),
])
def test_round_67_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str | None) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize(("text", "flag"), [
    # round 67: a toddler with a fever who will not bear weight, told in Jamaican English (the first-scoring miss)
    ("mi pickney, she three, have fever since last night an she nah put no weight pon her right leg", "septic_joint"),
    # the twins: a real break, a TV story beside a real retention, a fever still there, chest pain with breathlessness
    ("从梯子上摔下来，小腿断了，骨头都戳出来了", "open_fracture"),
    ("电视上说过这个，我今天真的尿不出来，腰疼得厉害，屁股也麻", "cauda_equina"),
    ("膝盖又红又肿，今天还在发烧三十九度", "septic_joint"),
    ("心口烧得慌，喘不上气，出冷汗，左胳膊也痛", "acute_coronary"),
    ("twisted my ankle, now the foot is cold, white and numb", "neurovascular"),
])
def test_round_67_emergencies(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


def test_round_67_twins_that_must_not_move() -> None:
    # a wrist that will not lift after a fall is the fracture's, not a nerve palsy's
    r = assess("摔了一跤手撑地，手腕肿得老高，抬不起来")
    assert r.department in {"trauma", "hand", "emergency"} and "radial_palsy" not in r.conditions, r.evidence
    # a wrist drop that has come back is routine
    assert assess("压着手睡了一夜，早上手腕抬不起来，下午已经好多了").urgency == "routine"
    # a cancer history with back pain stays suspicious (NICE NG234); a twisted back is still the spine's
    assert "malignancy" in assess("I had breast cancer, now my back hurts at night").red_flags
    # a fever told without having gone is still a fever (退烧药 is the medicine)
    assert "septic_joint" in assess("吃了退烧药还在烧，膝盖红肿热痛").red_flags


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # round 68 (blind CV, CW, CX, CY, scored on the round-67 code; told in other words here)
    # a fever that is over, told in more words, beside a knee that is not red, hot or swollen, or swollen by an injury
    ("我妈上礼拜感冒发烧，这几天体温一直正常了，就是膝盖上下楼疼，不红不肿", {"joint"}, "routine"),
    ("孩子上周扁桃体发炎发烧，冒再烧了，昨天打球膝盖扭了一下，有点肿，能走", {"sports", "pediatric"}, None),
    ("前几天感冒发了两天烧，已经好了，打球落地膝盖咔一下肿了，下楼打软腿", {"sports"}, "routine"),
    # lupus's low fever and wandering joint pains are no septic joint
    ("两个月了手指、手腕、膝盖轮流疼，脸上蝴蝶样红疹，偶尔低烧37.4", {"rheumatology"}, None),
    # a healed crash years back; riding an e-bike for a living
    ("I broke my arm in 2012 in a car accident, already healed, plate removed. It aches a little when it rains.",
     {"trauma", "hand", "joint"}, "routine"),
    ("我送快递的，每天骑电瓶车十几个钟头，腰痛到腿，屁股不麻，大小便正常", {"spine"}, "routine"),
    # heartburn, a pulled chest muscle, a stubbed toe, a normal temperature, a pale leg out of its cast
    ("chest burns after spicy hot pot, goes up to the throat with a sour taste, antacid helps, no problem to breathe",
     {"other"}, "routine"),
    ("pulled something in my chest at the gym, hurts when I press on it, breathing's fine, no arm pain, I'm 26",
     {"sports", "trauma"}, None),
    ("stubbed my little toe on the door, it's purple and fat but I can walk. do I need a cast?", {"foot_ankle", "trauma"}, None),
    ("on methotrexate for rheumatoid, hurt my back lifting a bag of soil, no fever, temperature 36.6", {"spine", "rheumatology"},
     None),
    ("cast came off yesterday after six weeks, the leg is thin and white and the skin is flaky, calf soft, not swollen",
     {"trauma", "foot_ankle"}, None),
    # a transplant patient's fever with a tender spine is an emergency (the missed CW case, told in other words)
    # — in test_round_68_emergencies
    # wrist drop in English, a pulled elbow told over two sentences, renal colic in 东北 words
    ("slept on my arm at a party, now my hand is falling down and I can't lift the wrist, face and speech normal",
     {"neurology", "hand"}, "urgent"),
    ("拉着孙子过马路，我往上一拽。他哭了，现在左胳膊耷拉着不肯抬，两岁", {"pediatric"}, "urgent"),
    ("后腰一阵一阵地绞着疼，疼起来直冒汗，尿有点发红，没扭着", {"other"}, "urgent"),
    # an osteoporotic back after a sneeze; a slide off a chair onto the bottom with osteoporosis
    (("My grandmother is 84, she has osteoporosis. She sneezed this morning and now her middle back hurts a lot, she "
      "can walk slowly with her stick."), {"spine"}, "urgent"),
    ("奶奶八十五了，骨质疏松，早上打了个喷嚏腰就疼得厉害，还能扶着走", {"spine"}, "urgent"),
])
def test_round_68_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str | None) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize(("text", "flag"), [
    # the first-scoring miss (CW), in other words: a transplant's anti-rejection drugs, a fever, a tender spine
    ("我老公换过肾，一直吃抗排斥药，这两天背上正中间痛，一按就痛，晚上发烧38.6", "spinal_infection"),
    # the twins: a fever still there, a crash still high-energy, a promise of recovery is no recovery
    ("孩子四岁，发烧39度，退烧药吃了退了又烧，今天不肯走路，大腿根碰不得，医生说打两天针就好了", "septic_joint"),
    ("昨天骑电瓶车摔了，被汽车撞的，今天脖子疼，两只手发麻", "high_energy_trauma"),
    ("高速上被追尾，车速八十，气囊弹出来了，现在脖子疼", "high_energy_trauma"),
    ("cast on my leg since Monday, now the toes are white, cold and numb", "neurovascular"),
    ("chest pain after dinner with a sour taste, and now I'm short of breath and sweaty", "acute_coronary"),
])
def test_round_68_emergencies(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


def test_round_68_a_temperature_word_before_a_normal_reading_is_no_fever() -> None:
    ex = extract("No fever, temperature this morning 36.7")
    assert not [f for f in ex.findings if "sym.fever" in f.tags and not f.negated]
    # the word alone still is one, and a high reading too
    assert [f for f in extract("she has a temperature").findings if "sym.fever" in f.tags and not f.negated]
    assert [f for f in extract("temperature 38.9 this morning").findings if "sym.fever" in f.tags and not f.negated]


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # round 69 (blind CZ, DA, DB, DC, scored on the round-68 code; told in other words here)
    # a neighbour's story, then "我也": the neighbour's retention is not the writer's
    ("我们楼上阿姨腰疼，后来尿不出来，送去开刀了。我也腰酸了一个月，大小便都好，屁股不麻", {"spine"}, "routine"),
    # a straight-leg raise angle in a clinician's note is no fever
    ("腰痛伴左下肢放射痛2周，直腿抬高试验左侧40°阳性，二便正常，无发热", {"spine"}, "routine"),
    # continence said in English; 川渝 heartburn with the breathing answered; a Scouse chest strain
    ("I had back surgery years ago, back is fine. Now burning during urine and going again and again, I can hold urine fine",
     {"other", "spine"}, None),
    ("吃了火锅胸口后面火烧火燎的，往上反酸水，左手不痛，气也不紧", {"other"}, "routine"),
    ("felt a ping in my chest on the bench press, sore when I press on it, no bother breathing, arm's fine, I'm 25",
     {"sports", "trauma"}, None),
    # an open fracture in a childhood story; a lump that looks like a bone; a dengue fever that has gone
    ("我小时候摔断过胳膊，骨头都戳出来了，开过刀。现在五十岁了，那只手伸不太直，不痛", {"trauma", "hand", "joint"}, "routine"),
    ("there's a soft lump on the back of my wrist, looks like a bone poking out, comes and goes", {"hand"}, "routine"),
    ("I had dengue fever last month and it's gone now, my knees and wrists still ache a little, no swelling, not hot",
     {"rheumatology", "other", "joint"}, None),
    # 闽南 night pain in a teenager's knee lump; Appalachian weight loss; a West Country 'ip
    ("阮查某囝十四岁，膝头仔下面肿一粒，暗时仔痛甲睏袂去", {"bone_tumor", "pediatric"}, "urgent"),
    ("my grandad's thigh bone hurts worse of a night and he's dropped near fifteen pound without tryin", {"bone_tumor"}, "urgent"),
    ("me 'ip's been grindin' for years, can't get me socks on, X-ray said bone on bone", {"joint"}, "routine"),
])
def test_round_69_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str | None) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize(("text", "flag"), [
    # the twins: the writer's own retention after a neighbour's story in the same sentence; a fever that came back;
    # an open fracture today after a childhood one; a machine that caught a hand; a real bone through the skin
    ("邻居也这样，我今天腰疼尿不出来，屁股发麻", "cauda_equina"),
    ("fever went away but came back last night, my knee is hot and swollen and I can't walk", "septic_joint"),
    ("小时候摔断过腿，现在又摔了，骨头戳出来了", "open_fracture"),
    ("我爸在田里被打谷机绞到手，手指头骨头都露出来了，拿布包起来了", "open_fracture"),
    ("fell off the ladder, there's a lump on my shin and the bone is poking out through the skin", "open_fracture"),
])
def test_round_69_emergencies(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


def test_round_69_carrying_a_farm_machine_is_no_crush() -> None:
    # review: the machine's name alone (扛打谷机扭了) is no crush; an arm ache with sweating and breathlessness stays cardiac
    r = assess("老头子帮人打禾，扛打谷机扭了一下，左边肩膀手杆子痛，胸口闷，喘不过气，出了一身汗")
    assert "acute_coronary" in r.red_flags and "compartment" not in r.red_flags, r.evidence


@pytest.mark.parametrize(("text", "flag"), [
    # round 70 (blind DD, DE, DF, DG, scored on the round-69 code: its six missed emergencies, told in other words here)
    (("my gran fell down a flight of stairs on Sunday and hit her head and neck, since then her hands are clumsy and she "
      "can't do up buttons"), "high_energy_trauma"),
    (("my husband has waist pain two weeks after carrying cement, since yesterday he cannot feel when urine is coming and "
      "he wet the bed"), "cauda_equina"),
    ("got bucked off a horse and landed on my head, neck stiff and both hands tingling", "high_energy_trauma"),
    ("肩膀痛，左胳膊也痛，一爬楼就喘不上气，歇一会儿又好了", "acute_coronary"),
])
def test_round_70_emergencies(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


@pytest.mark.parametrize("text", [
    # a clinician already sending the patient to the emergency department; a big joint still out of place
    "Physio note: cervical myelopathy, rapid decline over a week, new urinary urgency, sending to ED today.",
    "Dislocated my shoulder surfing, there's a step where the ball should be and I can't move it at all",
])
def test_round_70_emergencies_without_a_red_flag(text: str) -> None:
    assert assess(text).urgency == "emergency"


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # round 70's false emergencies and twins
    ("我夜里手麻，大拇指食指中指麻，老婆怕我中风，但我脸冒歪，讲话清楚，力气也有", {"hand", "neurology"}, None),
    ("腰杆痛得像遭车撞了一样，莫误会，没遭撞，是搬冰箱扭到的，脚不麻，尿正常", {"spine"}, None),
    (("Pharmacist note: 70F on prednisolone, sudden mid-back pain after lifting. Denies fever, night sweats, weight loss, "
      "leg weakness, numbness, bladder or bowel change."), {"spine"}, "urgent"),
    ("老伴在冰溜子上滑倒了，手腕子肿老高，像叉子一样歪了，手指头不凉不麻，能动", {"trauma"}, "urgent"),
    ("我妈上礼拜感冒发烧，吃药两天就退了，膝盖老毛病上下楼疼，不红不肿，这跟发烧有关系不", {"joint"}, "routine"),
    ("隔壁阿伯腰痛到尿不出来被送急诊，我也腰酸好几天了，小便很正常，下面也不麻", {"spine"}, "routine"),
    ("my chest hurts when I press on it and when I twist, since lifting a sofa yesterday. No short breath, no arm pain.",
     {"other", "sports", "trauma"}, None),
    # a dislocation that went back in is urgent, not an emergency
    ("my shoulder popped out playing rugby and popped back in by itself, it's sore but I can move it", {"trauma", "sports"},
     None),
])
def test_round_70_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str | None) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


def test_round_70_a_fever_the_medicine_only_brought_down_is_no_fever_over() -> None:
    r = assess("孩子五岁，昨晚发烧三十九度，食咗退烧药烧退咗滴，今朝唔肯行路，大髀痛")
    assert r.urgency == "emergency" and "septic_joint" in r.red_flags, r.evidence
    # … nor a crash the writer was in, told with a colleague's worse injury
    r = assess("我和同事一起被车撞了，同事腿断了骨头露出来，我也腰疼")
    assert r.urgency == "emergency" and "high_energy_trauma" in r.red_flags, r.evidence


def test_review_a_denial_list_stops_where_the_complaint_begins() -> None:
    # review of round 70: "Denies fever, reports back pain" — the list ends at the word that turns to what is had
    for text in ("Denies fever, reports back pain and numbness", "Denies fever but has severe back pain"):
        told = {f.concept for f in extract(text).findings if not f.negated}
        assert "sym.pain" in told, text
    said = extract("Denies fever, night sweats, weight loss, leg weakness, numbness").findings
    assert all(f.negated for f in said if f.kind == "symptom"), said


@pytest.mark.parametrize("text", [
    # round 71 (blind DI, DL–DO, scored on the session's starting code: their misses, told in other words here)
    "我脖子不好好多年了，手笨扣不上扣子，走路踩棉花。这两天老摔跤，今天两条腿抬不动了",
    "Hubby's new knee replacement popped out when he knelt, leg's bent funny and he can't move it",
    "跑完半马尿跟酱油一样，大腿酸痛得厉害",
    "After three days of army-style boot camp my pee is dark brown like cola and my thighs are killing me",
    "I'm 33 weeks pregnant, back pain coming every 4 minutes since this afternoon",
    "老婆怀孕32周，今天头痛，看东西模糊，脚肿",
])
def test_round_71_emergencies(text: str) -> None:
    assert assess(text).urgency == "emergency", assess(text).evidence


def test_round_71_a_cancer_history_with_legs_gone_heavy_is_a_cord_compression() -> None:
    r = assess("Prostate cancer four years ago. Back ache for weeks and now my legs feel heavy and I keep stumbling")
    assert r.urgency == "emergency" and "cord_compression" in {h.code for h in r.flag_details}, r.evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # round 71's false emergencies and its twins: the same words in the writer's own story stay as they were
    ("我们车队1个兄弟摔了腿，骨头都戳出来了。我自己就是手擦破点皮，结痂了", {"trauma", "other", "hand", "joint"}, None),
    ("我闺蜜腰疼到尿失禁做了手术，我现在也腰疼，大小便正常，腿不麻", {"spine"}, "routine"),
    ("隔壁床阿婆做完手术脚肿起来，话系血栓。我阿妈冇做手术，脚冇肿，膝头行多咗痛", {"joint"}, "routine"),
    ("I saw a thing on the telly about a man whose leg clot killed him. I've got a sore calf after football, both legs the same",
     {"sports", "foot_ankle"}, None),
    ("外婆老年痴呆好多年，本来就包尿布，最近腰酸，没摔过也不发烧", {"spine"}, "routine"),
    ("喂奶两个月，右边膀子和胳肢窝痛，右边胸有一块红红热热的，发烧38度", {"other"}, "urgent"),
    ("the dentist numbed me an hour ago and my face feels droopy from the injection, but my real question is my jaw clicking",
     {"other"}, "routine"),
    ("in the car park a reversing car bumped me, speed not even 10 km/h, neck a bit stiff next day, no numbness", {"spine"},
     "routine"),
    ("前些天感冒发烧，早都退了。膝盖疼了一年了，上楼疼，不红不肿", {"joint"}, "routine"),
    ("passed out on my arm after a party and my hand was dead for a few minutes, totally fine now", {"hand", "neurology"},
     "routine"),
    ("my baby is 8 months, how would I even know if something was broken if she fell? she's totally fine", {"pediatric", "other"},
     "routine"),
    ("我爸膝盖疼好几年了，刷短视频硬说自己是骨癌，晚上睡得好，没瘦", {"joint"}, "routine"),
    ("I'm 20 weeks pregnant and my lower back aches after a long shift", {"spine", "other"}, "routine"),
])
def test_round_71_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str | None) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize(("text", "flag"), [
    # twins that must not move: the story is the writer's own, or the fever is back, or the breast is not said
    ("我骑车摔了，骨头都戳出来了", "open_fracture"),
    ("我腰疼，这两天尿失禁了，屁股周围麻", "cauda_equina"),
    ("上礼拜发烧退了，今天又烧到39度，膝盖红肿发烫走不了路", "septic_joint"),
    ("my face is drooping on one side and my arm went weak an hour ago", "stroke"),
    ("肩膀痛，发烧38.5度，肩膀红肿发热动不了", "septic_joint"),
])
def test_round_71_twins_keep_their_red_flag(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


def test_round_71_a_slow_myelopathy_stays_urgent() -> None:
    # hands worse and worse over months, afraid of falling: urgent, not an emergency (the acute rule needs days)
    r = assess("这大半年手越来越笨，扣子扣不上，走路踩棉花，老怕摔跤，没摔过")
    assert r.urgency == "urgent" and "myelopathy" in r.red_flags, r.evidence


def test_round_71_shingles_counts_from_the_rash() -> None:
    r = assess("腰上一圈针扎样疼了四天，今天冒出来一串小水泡")
    assert r.urgency == "urgent" and r.department == "other", r.evidence


def test_round_71_months_said_with_the_hakka_classifier() -> None:
    assert assess("𠊎个细人仔三只月，头总系歪向一边，颈上摸到一粒硬硬个").department == "pediatric"
    assert assess("𠊎生细人仔三只月哩，咳嗽个时候会漏尿").department != "pediatric"


@pytest.mark.parametrize("text", [
    # round 72 (blind DP–DS, scored on the round-71 code: their misses, told in other words here)
    ("Mum's had clumsy fingers for a year and walks like on a sponge; this morning she tripped on the step, bumped her chin, "
     "and now she can barely lift either arm"),
    ("I've had trouble with buttons since summer and my walking's like on a mattress. Over the last two days it's gone "
     "downhill fast and I can barely stand"),
    "阮阿爸进前肺癌开刀过，这阵仔腰骨痛，今仔日两肢跤软去，行袂振动",
    "New hip put in a month ago, bent down and felt a clunk, now the leg's shorter and I can't shift it, pain ten out of ten",
    "孙崽发烧，脚不肯落地，一碰就哭",
    "手指给机器压烂了，见骨头",
])
def test_round_72_emergencies(text: str) -> None:
    assert assess(text).urgency == "emergency", assess(text).evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # round 72's false emergencies and department slips, with twins
    ("my big toe bone is sticking out the side of my foot, shoes don't fit, it aint broke just sore", {"foot_ankle"}, None),
    ("冬天手一碰冷水手指头就发白，然后发紫，暖和了又变红，没受过伤", {"rheumatology", "hand"}, "routine"),
    ("Knee replaced last year, doing fine. Had the flu with a fever last week, that's all gone now, knee no different",
     {"joint"}, "routine"),
    ("妈妈换了髋关节三个月，上礼拜感冒发烧，现在已经退烧两天了，伤口好好的", {"joint"}, "routine"),
    ("这几天腰眼胀疼，尿频，尿完还想尿，尿的时候烧得慌，不发烧", {"other"}, None),
    (("Woke with the left side of my face dropped, can't close my eye properly or wrinkle my forehead on that side. Arms and "
      "legs fine, talking fine."), {"neurology"}, "urgent"),
    ("在船上拉网，右边胸坎一揤就疼，喘大气也疼，无闷无喘，手无代志", {"other", "trauma", "sports"}, None),
    ("俺同事腰间盘突出做手术前尿不出来。俺现在也腰疼腿麻，解手正常，屁股不麻", {"spine"}, "routine"),
    ("多年前得过甲状腺癌，早治好了，复查都正常。上周打球扭了脚脖子，外侧肿，能走", {"foot_ankle", "sports"}, None),
    ("my back hurts on the right and round to the groin in waves, can't sit still, and my pee's a bit pink", {"other"},
     "urgent"),
    ("she is burning when she passes urine and going every hour, low belly ache, no fever", {"other"}, None),
    ("搬了几日谷包，膊头举唔高，夜晚瞓落去压住就痛醒，冇跌亲冇发烧", {"sports", "joint"}, None),
])
def test_round_72_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str | None) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize(("text", "flag"), [
    # twins that must not move
    ("my face dropped on one side an hour ago and I can't close my eye, and my arm feels weak", "stroke"),
    ("knee replaced three weeks ago, fever 38.6 since last night, the knee is hot and swollen", "septic_joint"),
    ("stubbed my toe and the toe bone is sticking out through the skin", "open_fracture"),
    ("手指冰凉发白，是被门夹了以后，摸不到脉", "neurovascular"),
    ("腰疼三天，今天尿不出来，屁股周围麻", "cauda_equina"),
])
def test_round_72_twins_keep_their_red_flag(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


def test_round_72_a_replaced_joint_crooked_for_a_year_is_no_dislocation() -> None:
    r = assess("knee replacement last year, knee a bit crooked, can't bend it fully, seeing the surgeon for a check")
    assert r.urgency != "emergency", r.evidence


def test_round_72_aint_is_no_general_negation() -> None:
    # "ain't broke" is a filler; "I ain't been able to walk since the fall" keeps the fall
    told = {f.concept for f in extract("I ain't been able to walk since the fall, hip killing me").findings if not f.negated}
    assert "mech.fall" in told


@pytest.mark.parametrize("text", [
    # round 73 (blind DT–DW, scored on the round-72 code: their misses, told in other words here)
    "Got a stookie on my wrist yesterday, tonight my fingers are freezin and gone blue and I cannae feel my thumb",
    "My father 65 say his left arm pain since this morning, now chest also tight tight, breathing also cannot",
    "阿婆八十几岁，几年前换咗膝关节，今日跌亲，膝头肿晒，郁都郁唔到，条脚好似短咗",
    "nan fell in the kitchen cant get up leg twisted",
    "Grandpa is on warfarin, he slipped and hit his head on the sink, now he threw up twice",
    "saw slipped, workmate finger bone outside, blood everywhere",
])
def test_round_73_emergencies(text: str) -> None:
    assert assess(text).urgency == "emergency", assess(text).evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # round 73's false emergencies and department slips, with twins
    ("我老细话佢个朋友腰痛到大小便失禁要开刀。我条腰坐耐咗有啲痛，屙尿冇问题，屁股唔痹", {"spine"}, "routine"),
    ("7M, forearm cast day 2 for buckle fracture. Fingers pink, warm, passive finger extension painless. Itchy.",
     {"trauma", "pediatric"}, None),
    ("bruised my shin playing footy, it's purple but I can walk n run fine", {"trauma", "sports"}, None),
    ("外婆小便漏漏滴滴好多年了，一直老样子，腰酸，屁股不麻脚不麻", {"spine", "other"}, "routine"),
    ("pain under my right shoulder blade that comes after fatty food, an hour then it goes, the shoulder moves fine",
     {"other"}, "routine"),
    ("最近右边肩膀后头疼，一吃油腻的就疼得厉害，还恶心。肩膀活动没问题", {"other"}, None),
    ("孩子四岁，上周感冒发烧，烧退了三天了，昨天开始走路有点瘸，还能跑", {"pediatric"}, "urgent"),
    (("My mate's uncle went numb down below after a back injury and needed surgery. I've just got a stiff back from "
      "digging, pee's fine, no numbness"), {"spine"}, "routine"),
])
def test_round_73_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str | None) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize(("text", "flag"), [
    # twins that must not move
    ("cast put on this morning, now passive finger extension is agony and the forearm is tense", "compartment"),
    ("换咗膝关节，发烧38度，咳嗽，膝头好痛", "septic_joint"),
    ("knee replaced last month, fever 38.5 today, no cough", "septic_joint"),
    ("bruised shin after the car hit me, foot is cold and purple and numb", "neurovascular"),
])
def test_round_73_twins_keep_their_red_flag(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


@pytest.mark.parametrize("text", [
    # round 74 (blind DX–EA, scored on the round-73 code: their misses, told in other words here)
    "我妈手指不灵活好几个月，走路踩棉花，这两天突然变很严重，要两个人扶才站得起来",
    "阿爷写字愈嚟愈丑，行路好似踩住棉花，呢个礼拜每日都差啲，今日连企都企唔稳",
    "老爸乳腺癌骨转移，大腿痛了一个月，今天翻身听到咔嚓一响，脚短了一截往外撇",
])
def test_round_74_emergencies(text: str) -> None:
    assert assess(text).urgency == "emergency", assess(text).evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # round 74's false emergencies, with twins below
    ("Our lad had a fever on Saturday but it broke on Sunday, he's back at rugby practice, knee a little sore",
     {"pediatric", "sports", "joint"}, "routine"),
    ("My wee girl had a fever at the weekend, it's away now, she's back at school running about", {"pediatric", "sports", "other"},
     "routine"),
    ("我朋友上个月摔成开放性骨折。我今天自己打球崴了一下，脚踝有点肿，能走", {"foot_ankle", "sports", "trauma"}, None),
    ("我隔壁老表尿都屙不出开了刀。我咯几天也有滴腰痛，屙尿好好的，屁股冇麻", {"spine"}, "routine"),
    ("要是骨头断了戳出来是不是得赶紧上医院？孩子今天摔了一跤蹭破点皮，贴了创可贴又去玩了", {"pediatric", "trauma"}, None),
    ("我才二十五岁，心口痛好几个月了，一吃完饭就烧起来，还反酸水", {"other"}, "routine"),
    ("背到肋骨痛了三天，像针刺又像烧，今天皮肤冒出一排小水泡", {"other"}, "urgent"),
])
def test_round_74_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str | None) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize(("text", "flag"), [
    # twins: the fever back, the writer's own open fracture, a fever with a hot joint
    ("我今天自己打球摔了，骨头戳出来了", "open_fracture"),
    ("孩子发烧39度，膝盖红肿发烫，不肯走路", "septic_joint"),
])
def test_round_74_twins_keep_their_red_flag(text: str, flag: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and flag in r.red_flags, r.evidence


def test_round_74_a_fever_that_came_back_is_still_an_emergency() -> None:
    # the safety net raised it in round 74; since round 75 the rules read "it's back" too (test_round_75_* below)
    r = assess("kid had a fever, it went away Sunday but it's back tonight at 39 and his knee is hot and swollen, won't walk")
    assert r.urgency == "emergency" and "septic_joint" in r.red_flags, r.evidence


@pytest.mark.parametrize("text", [
    # review of rounds 66–74: the writer in the scene before the other place or person is named — the writer's own story
    "我在楼下摔了一跤，骨头戳出来了。我也不知道咋办",
    "俺在屯子里干活摔了，骨头都露出来了。俺也不敢动",
    "I was next door and slipped, the bone is sticking out through the skin. I also feel sick",
])
def test_review_the_writer_in_the_scene_keeps_the_story(text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and "open_fracture" in r.red_flags, r.evidence


@pytest.fixture
def without_urgency_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rounds before the urgency model (round 83) pinned what the rules decide: the model is left out of them."""
    from osteon.triage import engine

    urgency = replace(load_urgency_net(), threshold=2.0)
    monkeypatch.setattr(engine, "load_urgency_net", lambda: urgency)


# Round 75 (session 2026-12-07, ninth): the known gaps the eighth session left, closed by rules (the safety net switched
# off, so the rules alone must carry them).
@pytest.fixture
def rules_alone(monkeypatch: pytest.MonkeyPatch, without_urgency_model: None) -> None:
    """The safety net off, and (round 83) the urgency model: what a rule decides is the rule's."""
    from osteon.triage import engine
    from osteon.triage.safety_net import load_net

    net = load_net().with_threshold(2.0)
    monkeypatch.setattr(engine, "load_net", lambda: net)


@pytest.mark.parametrize("text", [
    # a fever that settled and came back is a fever now (NICE NG143, CKS septic arthritis)
    "kid had a fever, it went away Sunday but it's back tonight at 39 and his knee is hot and swollen, won't walk",
    "she had a temp on monday, settled, but temp's back up tonight and her hip hurts, won't put weight on it",
    "孩子发烧退了，今天又烧起来，膝盖肿，不肯走路",
    "孩子前几天发烧，烧退了，晚上又起来了，膝盖肿，不肯走路",
    "细佬哥前日发烧，退咗，今晚又烧返，膝头哥肿住唔肯行",
])
def test_round_75_a_fever_that_came_back_is_a_fever(rules_alone: None, text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and "septic_joint" in r.red_flags, r.evidence


@pytest.mark.parametrize("text", [
    # twins: a fever that is over, then "back" at school or back pain — not the fever
    "my son had a fever last week, it went away, he's back at school now, his knee is a bit sore from football",
    "孩子上周感冒发烧，已经退了，今天膝盖有点疼，走路正常，又跑又跳",
    "had a fever last week, gone now. it's back pain that bothers me, stiff in the mornings",
])
def test_round_75_a_fever_over_stays_over(rules_alone: None, text: str) -> None:
    r = assess(text)
    assert r.urgency != "emergency" and "septic_joint" not in r.red_flags, r.evidence


def test_round_75_a_doubt_answered_no_later_is_not_had() -> None:
    # blind DL: the incontinence wondered about (会不会…) and then plainly denied (大小便都正常的)
    r = assess("想问一下 如果腰突出压到神经 会不会大小便失禁啊 我现在就是腰疼往左腿窜 窜到小腿外边 大小便都正常的 屁股不麻 还能骑车")
    assert r.urgency != "emergency" and r.department == "spine", r.evidence


@pytest.mark.parametrize("text", [
    # twins: a doubt the later words do not answer (the bowel is not the bladder), or a sign told as had
    "腰疼好几天，好像有点尿不出来，大便正常",
    "back pain for days and I think I might be leaking urine, bowels are fine",
    "腰疼，会不会是马尾？今天尿不出来了，大便倒是正常",
])
def test_round_75_a_doubt_the_denial_does_not_cover_still_raises(text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and "cauda_equina" in r.red_flags, r.evidence


@pytest.mark.parametrize("text", [
    # NICE NG232 (2023): a head injury on an anticoagulant, with no other sign, is scanned within 8 hours (急诊)
    "我爸吃华法林，今天摔了一跤，头磕在桌角上，起了个包，现在人还清醒",
    "Grandad is on apixaban, tripped and hit his head on the door frame this afternoon, has a lump, says he feels fine",
    "俺娘一直吃利伐沙班，晌午在院里滑倒了，后脑勺磕地上了，说没事",
    "Mum takes blood thinners for her AF, she fell in the garden and banged her head on the step",
])
def test_round_75_a_head_injury_on_an_anticoagulant_is_an_emergency(rules_alone: None, text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency" and "head_injury_anticoagulated" in {h.code for h in r.flag_details}, r.evidence


@pytest.mark.parametrize("text", [
    # twins: aspirin alone, a fall that spared the head, a head knock years ago, an anticoagulant without a fall
    "奶奶吃着阿司匹林，早上摔了一下，额头碰了，就破了点皮",
    "Mam's on warfarin for her heart. She slid off the settee onto her bum on the carpet yesterday, didn't bang her head, got herself up",
    "我爸吃华法林好几年了，膝盖疼了两个月，上下楼梯疼",
])
def test_round_75_no_anticoagulated_head_injury_without_both(text: str) -> None:
    r = assess(text)
    assert "head_injury_anticoagulated" not in {h.code for h in r.flag_details}, r.evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # Round 75 (blind EB–EE): paraphrases of what the wave missed or over-raised, none a batch sentence
    ("老爷子手笨了一年多，走路像踩棉花。昨天下台阶往前一栽，脑门磕了，今天俩手又麻又没劲，比以前差多了", {"emergency"}, "emergency"),
    ("for the past two weeks my hands are clumsy, dropping cups, legs feel like sponge, fell twice, getting worse every few days",
     {"emergency"}, "emergency"),
    ("老爷子中风以后一直躺在床上冇怎么动，这两天左边小腿肚子肿起来了，比右边粗，摸着紧绷绷的", {"emergency"}, "emergency"),
    ("俺爹从草垛上出溜下来了，有三米高，屁股着地，腰疼得翻不了身", {"emergency"}, "emergency"),
    ("the plate in my wrist is hard under the skin like a bone sticking out, healed fine, no wound, when can it come out",
     {"trauma", "hand", "foot_ankle"}, None),
    ("granny has a burning in her belly under the chest after the pain tablets on an empty stomach, new knee doing fine",
     {"other", "joint"}, None),
    ("我外孙两岁，我把他的手搝起来他就哭了，现在那只手垂垂的毋振动，不肿", {"pediatric"}, "urgent"),
    ("阿拉姆妈好几年了咳嗽打喷嚏就漏尿，最近大扫除腰有点酸，屁股不麻，小便跟以前一样", {"spine", "other"}, "routine"),
    ("my dad has had a cough for a month, chest pain only when he coughs, bit of a fever at night", {"other"}, None),
    ("卧推的时候胸口右边一抽，我按着那块儿就疼，不喘不出汗，胳膊不麻", {"sports", "other"}, "routine"),
    ("三岁的细路哥，两只脚骨前面成日青一块紫一块，其他地方冇，跑跳正常", {"pediatric"}, "routine"),
    ("膝盖下面有个硬包十几年了，不疼，前两天刷抖音看到骨肿瘤的视频吓到了", {"bone_tumor"}, "routine"),
    ("发烧退了一个多礼拜了，前天搬了一下午瓷砖，腰就酸了，腿不麻，小便正常", {"spine"}, None),
    ("痛风老毛病，昨天夜里脚趾公痛醒，红肿发烫，被子都不敢盖，冇发烧", {"rheumatology", "foot_ankle"}, "urgent"),
])
def test_round_75_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str | None) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize(("text", "urgency"), [
    # twins: a slow myelopathy stays urgent; a ladder's second rung is no fall from height; a gout flare of last week that
    # has settled is routine; a sign in a cast that is not a simile still raises
    ("手笨走路不稳半年了，越来越重，一直没摔过", "urgent"),
    ("从梯子第二蹬上出溜下来，屁股着地，尾巴根疼，腿不麻", "routine"),
    ("痛风好多年，上礼拜大脚趾红肿，吃了药三四天就消去了，想问降尿酸挂哪个科", "routine"),
])
def test_round_75_twins_stay_below_emergency(text: str, urgency: str) -> None:
    r = assess(text)
    assert r.urgency == urgency, r.evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # Round 76 (blind EF–EI, scored once on the round-75 code): paraphrases of what the wave missed or over-raised
    ("my hands have been clumsy for months and I'm unsteady, but this week it's gone downhill fast and I've fallen three times",
     {"emergency"}, "emergency"),
    (("the neighbour's baby is only two month old, his arm is swollen and he screams when touched, they say he rolled off "
     "the bed but he can't roll over yet"), {"emergency"}, "emergency"),
    ("痛风好几年了，昨晚喝了啤酒，今天早上起来大脚趾又红又肿，发热，疼得鞋都穿不上，冒发烧，体温36.7", {"rheumatology", "foot_ankle"},
     "urgent"),
    ("大脚趾又红又肿，疼得被子都不敢盖，摸着发热，没发烧，以前也犯过痛风", {"rheumatology", "foot_ankle"}, "urgent"),
    (("stepped off the bottom stair wrong, maybe 40 cm, twisted my ankle, it's swollen and purple, toes warm and not numb, "
     "the foreman wrote fall from height"), {"foot_ankle", "trauma", "sports"}, None),
    ("my son is 2 years and 6 months, bruises on both shins from climbing, one on his forehead from the table, I saw it",
     {"pediatric"}, "routine"),
    (("Dad had a stroke in 2018, his mouth droops on the right since then and it hasn't changed, no new weakness. His shoulder "
     "aches when he lifts his arm"), {"joint", "sports", "neurology", "spine"}, None),
    ("上周感冒发烧已经好了，这几天都没烧。昨天跑了步，今天膝盖有点酸，不肿不红，网上说发烧关节痛可能是感染", {"sports", "joint"}, None),
    ("我个女一岁三个月，走路一拐一拐的，两边大腿的纹不一样，没摔过", {"pediatric"}, "routine"),
])
def test_round_76_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str | None) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize(("text", "urgency"), [
    # twins: an old stroke with something new is still a stroke; a child under four limping without uneven folds is still
    # seen the same day; a fall from a step of a metre and a half is still a dangerous fall
    ("Dad had a stroke in 2018, his mouth droops since then, but this morning his right arm went suddenly weak", "emergency"),
    ("我个女一岁三个月，今天突然走路一拐一拐的，没摔过，不发烧", "urgent"),
])
def test_round_76_twins(text: str, urgency: str) -> None:
    r = assess(text)
    assert r.urgency == urgency, r.evidence


def test_round_76_a_fall_in_centimetres_is_measured() -> None:
    # 150 cm is a fall over a metre (NICE NG232: urgent), not a fall from height; 40 cm is neither
    high = assess("fell off the loading bay, about 150 cm, landed on my side, hip hurts")
    assert "fall_over_1m" in {h.code for h in high.flag_details} and "high_energy_trauma" not in high.red_flags
    low = assess("missed the last step, maybe 40 cm, twisted my ankle, the report says fall from height")
    assert not {"fall_over_1m", "high_energy_trauma", "high_energy_mechanism"} & {h.code for h in low.flag_details}


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # Round 77 (blind EJ–EM, scored once on the round-76 code): paraphrases of what the wave missed or over-raised
    ("my boy is 5, hot with a temperature of 39 since last night, and now he nah walk at all, cries if you touch his hip",
     {"emergency"}, "emergency"),
    (("my dad has rheumatoid arthritis for 20 years, his hands are numb and clumsy, since Tuesday he walks like on cotton "
     "and he fell in the bathroom"), {"emergency"}, "emergency"),
    (("I'm in a moon boot after an ankle fracture, non weight bearing, since yesterday my calf and behind my knee are "
     "swollen and tender"), {"emergency"}, "emergency"),
    ("我爸上礼拜在医院做的膝关节置换，昨天出院，今天小腿肚子肿得厉害，比那边粗一圈，疼", {"emergency"}, "emergency"),
    (("my mum had the flu last week, no fever for 4 days now, her knees ache like always, arthritis, no swelling. My aunt "
     "said fever plus joint pain is infection and we should go ER"), {"joint", "rheumatology", "other"}, None),
    ("I broke my ankle years ago and it healed, when the weather is cold it aches a bit, no swelling", {"foot_ankle", "trauma"},
     "routine"),
    ("阿拉昨日搬了一日天个家具，今朝胸口右边有点痛，手揿下去就痛，不气急，不出冷汗", {"sports", "other"}, "routine"),
    ("knee surgery a week ago, there's a yellow-purple bruise down the back of the calf, calf soft, not swollen, no pain",
     {"sports", "joint", "trauma"}, None),
    ("上个礼拜发烧，烧退1个礼拜了，这两天干活膝盖有点疼，老毛病了，不红不肿", {"joint", "sports"}, None),
    ("从一米来高的台子上跳下来，脚崴了，能走，肿得不厉害", {"foot_ankle", "trauma", "sports"}, None),
    ("個仔四個月，今朝打完預防針，大髀打針嗰度紅咗有啲腫，照食照玩", {"pediatric", "other"}, "routine"),
])
def test_round_77_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str | None) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize("text", [
    # twins: a febrile child not walking at all with "walks normally" told of the day before is still an emergency; a
    # baby's swollen thigh without any jab still raises; a fever over with a hot, swollen knee now still raises
    "my girl is 3, temperature 39.5 today and she won't walk at all, she was running fine on the weekend",
    "宝宝四个月，大腿肿了，一碰就哭，不知道怎么弄的",
    "上礼拜发烧，已经退了，今天膝盖又红又肿又烫，走不了路",
])
def test_round_77_twins_stay_emergencies(text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency", r.evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # Round 78 (blind EN–EQ, scored once on the round-77 code): paraphrases of what the wave missed or over-raised
    (("tib fracture in a backslab since yesterday, the pain is way out of proportion, codeine does nothing and he screams "
     "when I stretched his toes"), {"emergency"}, "emergency"),
    (("My mother 81 years old had her knee replaced 10 days ago. Since yesterday her calf is swollen and sore, she gave "
     "herself no more of the injections"), {"emergency"}, "emergency"),
    ("broke her ankle 3 weeks ago, now in the boot, mostly sitting at home, since yesterday her calf is swollen and tight",
     {"emergency"}, "emergency"),
    ("我五年前腰椎开过刀。最近两个礼拜手越来越不灵活，走路像踩棉花，昨天摔了两次，今天走路都要人扶", {"emergency"}, "emergency"),
    ("my son is 12, pain below the knee when he kneels, walang fever, walang swelling, plays basketball every day",
     {"sports", "pediatric"}, None),
    ("我阿妈今朝喺街市等车嗰阵俾人撞咗一下，跌低手撑地，手腕有啲肿，手指暖暖地", {"trauma", "hand"}, None),
    ("Mum's been to the dentist for a filling, the side of her mouth is droopy and numb, talking fine, arms and legs fine",
     {"other", "neurology"}, None),
    (("My GP asked me the usual questions about numbness in my saddle area and my bladder, I said no to all of them, my back "
     "is the usual flare"), {"spine"}, None),
    ("食开止痛药，个胃好痛，好似火烧咁，个膝头反而好返啲", {"other"}, None),
    ("if i press on the bone next to my sternum it kills, been doing push ups, not out of breath, no sweating",
     {"sports", "other"}, None),
    ("BB三個月，屁股有一大忽藍藍灰灰，一出世已經有，冇變過，照食照瞓", {"pediatric", "other"}, None),
])
def test_round_78_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str | None) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize("text", [
    # twins: a bruise on a baby's torso with no birth story still raises; a crash at a bus stop still is one; a dentist's
    # droop with slurred speech and a weak arm is still a stroke
    "BB三個月，屁股同腰有好大忽瘀青，唔知點整親",
    "等车的时候被一辆电动车撞了，摔在地上，腰动不了，腿麻",
    "came back from the dentist, her face is droopy, her speech is slurred and her right arm is weak",
])
def test_round_78_twins_stay_emergencies(text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency", r.evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # Round 79 (blind ER–EY, scored once on the round-78 code): paraphrases of what the waves missed or over-raised
    ("my uncle chop im hand with cutlass for farm, you fit see the bone for inside the wound, blood plenty", {"emergency"},
     "emergency"),
    (("a lump on her thigh for months, getting bigger, pain in night, lost weight, today she stood up and the leg broke, "
     "it is bending in the middle"), {"emergency"}, "emergency"),
    ("老公在码头叫货箱挤了一下小腿，越肿越厉害，硬邦邦的，吃了去痛片一点不管用，我扳扳他脚趾头他就喊疼", {"emergency"}, "emergency"),
    ("我妈类风湿多年，这个礼拜两只手越来越笨，筷子夹不住，走路像踩棉花，一天比一天厉害", {"emergency"}, "emergency"),
    ("Referral: 68F, 4/52 rapidly progressive hand clumsiness, unsteady gait, 3 falls this week", {"emergency"}, "emergency"),
    ("腰椎术后三年，前天晚上听到'咔'一声，胳膊上段畸形，抬不起来，以前查过肺癌", {"emergency"}, "emergency"),
    ("上礼拜感冒发烧，吃药退了，现在都没再烧。这几天膝盖蹲下去酸酸的，不红不肿。网路上说发烧加关节痛是感染，要马上去急诊",
     {"joint", "sports", "other"}, None),
])
def test_round_79_department_and_urgency(without_urgency_model: None, text: str, departments: set[str], urgency: str | None) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize(("text", "urgency"), [
    # twins: "see the bone doctor" is no bone seen; a myelopathy worse over months stays urgent
    ("the paediatrician heard a click in her hip, she said we need to see the bone doctor, the folds are not the same", "routine"),
    ("手笨了一年，走路像踩棉花，慢慢越来越重", "urgent"),
])
def test_round_79_twins(text: str, urgency: str) -> None:
    r = assess(text)
    assert r.urgency == urgency, r.evidence


def test_review_its_back_pain_keeps_its_back() -> None:
    # the fever's "it's back" (round 75) is not the back of "it's back pain": the back stays the complaint's site
    r = assess("had a fever last week, gone now. it's back pain that bothers me, stiff in the mornings")
    assert r.department == "spine" and r.urgency != "emergency", (r.scores, r.evidence)
    r = assess("she had a fever monday, it went away, but it's back and her hip hurts, she won't stand")
    assert "septic_joint" in r.red_flags and "spinal_infection" not in r.red_flags, r.evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # Round 80 (blind EZ–FC, scored once on the session's starting code): paraphrases of what the wave missed or
    # over-raised, carried by the rules alone
    ("Child is having high fever, not walking since morning only", {"emergency"}, "emergency"),
    ("I'm a dia betic, backache for ten days, now running a fever with chills, my sugars running high", {"emergency"},
     "emergency"),
    ("ER checked me for the chest pain on Monday, heart tests were normal, said it was muscular. Now my knee hurts on stairs",
     {"joint", "sports", "other"}, None),
    ("上个月心口痛，心内科检查过没问题，现在肩膀痛，手举不起来", {"sports", "joint", "other"}, None),
    (("Woke with a left facial droop including the forehead, can't close the eye. Limb power 5/5 x4, no drift, speech clear. "
      "ED CT head NAD, dx Bell's palsy"), {"neurology", "other"}, None),
    (("Mum's ankle went red, hot and swollen with a fever, the hospital drained it: urate crystals, culture negative, gout. "
      "Fever was a cold. Better now, when do we see rheumatology?"), {"rheumatology", "foot_ankle"}, None),
    (("three weeks after my knee replacement, my calf is a bit achy and puffy after walks, had a duplex scan on Friday "
      "which was clear"), {"joint", "sports"}, None),
    ("我仨月前出过车祸，当时120拉到医院，说骨头没事，现在脖子还有点僵，手不麻", {"spine", "trauma"}, None),
    ("换了膝关节一个礼拜，吃止痛药，解大手解不出来，肚子胀鼓鼓的，膝盖还好", {"joint", "other"}, None),
    (("我爸糖尿病十多年，两只脚底板麻木木的，走路有点像踩棉花，晚上脚还烧辣辣的。手好好的，脖子不痛，村医说是颈椎压着"
      "神经"), {"neurology", "foot_ankle", "spine"}, None),
    ("手腕骨折打了石膏，你们不是说石膏紧了手指会发紫发凉吗？我看手指头红润，暖和，能动", {"trauma", "hand"}, None),
])
def test_round_80_department_and_urgency(rules_alone: None, text: str, departments: set[str], urgency: str | None
                                         ) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize("text", [
    # twins: a gout flare with fever that was not tapped is still raised; a scan booked, not done, leaves the calf raised; a
    # cast with purple cold fingers now is an emergency; chest pain with breathlessness after "heart tests normal" last
    # year is raised; a calf swollen like a drum (腿肚子胀鼓鼓) after an operation still is
    "my dad has gout, his knee is hot and swollen today and he has a fever of 38.9",
    "two weeks after my hip replacement, my calf is swollen and sore, they booked a duplex scan for next week",
    "手腕骨折打了石膏，今天手指发紫发凉，麻了",
    "heart tests were normal last year, today crushing chest pain and I can't catch my breath",
    "我妈换膝关节出院五天，这两天腿肚子胀得鼓鼓的，比那边粗，一摁就疼",
])
def test_round_80_twins_stay_emergencies(rules_alone: None, text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency", r.evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # Round 81 (blind FD–FG, scored once on the round-80 code): paraphrases of what the wave missed or over-raised, carried
    # by the rules alone
    ("fell off my mountain bike, my forearm has a bend in it now and a deep gash right over the bend, fingers ok",
     {"emergency"}, "emergency"),
    ("儿子在蹦床上翻跟头没翻过去，脖子先杵下去了，当时两只胳膊过电一样，现在脖子疼不敢转", {"emergency"}, "emergency"),
    ("I have flu fever 2 days, my knee pain is old, 3 years. Knee not hot, not red, not swollen. Fever today go down already",
     {"joint", "other"}, None),
    ("劈叉的时候大腿后面啪一声，今天大腿后面到膝盖窝紫了一大片，走路一瘸一拐，腿不麻也不凉", {"sports", "trauma"}, None),
    (("my 15 year old gets a tight wheezy chest running in the cold, her blue inhaler settles it in minutes, no arm pain"),
     {"other", "sports"}, None),
    ("环岛骑行一天一百多公里，骑久了会阴那边麻，下车走走就好，小便正常，腰不痛，腿有劲", {"neurology", "spine", "other"}, None),
    ("在停车场排队被后面的车怼了一下，那速度也就走道快，保险杠都没坏，今天脖子有点僵", {"spine", "trauma"}, None),
    ("My father 70 has gout for years, big toe red and swollen like every attack. No fever, temperature 98.6", {"rheumatology",
     "foot_ankle"}, None),
    ("俺爹糖尿病，脚后跟裂了个口子，不红不肿，不流脓，也没发烧，能走", {"foot_ankle"}, None),
    # (its department is still trauma: the feared break 佢惊系骨头断了 is read as a fracture named — the urgency is the point)
    ("阿姆手指节一粒一粒骨头突出来，像系骨头顶出来样，冇跌倒，冇伤口，佢惊系骨头断了戳出来", {"hand", "rheumatology", "trauma"},
     None),
    ("my dad's external fixator pin site is a bit red with some discharge, the bone is not coming out, only the metal pin",
     {"trauma"}, None),
    (("broke my ankle a week ago, in a boot, now my whole foot and toes went purple and yellow, toes are warm, I can wiggle "
      "them, feeling normal"), {"trauma", "foot_ankle"}, None),
    ("从梯子第二蹬滑下来，一米来高，手腕肿了，手指能动不麻。俺闺女说从高处摔下来得上急诊", {"trauma", "hand"}, None),
    ("my shins get tight on long runs and it goes away when I walk, I googled it and I'm scared I need emergency surgery",
     {"sports", "foot_ankle"}, None),
    ("my son is 7, limping since his cold, no temps at all, the clinic said irritable hip, come back if fever", {"pediatric",
     "joint"}, None),
])
def test_round_81_department_and_urgency(rules_alone: None, text: str, departments: set[str], urgency: str | None
                                         ) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize("text", [
    # twins: a dive into shallow water with neck pain raises; an older man's tight chest is raised whatever inhaler he
    # took; saddle numbness after a ride with a bladder that will not empty raises; a fever of 102 with a hot swollen knee
    # raises; a bone that is coming out raises; a bruise-coloured foot in a cast that is cold and numb raises
    "dived into the shallow end and hit the bottom, now his neck really hurts",
    "I'm 62, tight chest walking up the hill, used my wife's inhaler, still tight and sweaty",
    "骑久了会阴那边麻，今天小便解不出来",
    "his knee is hot and swollen and his temp is 102.4",
    "fell off the ladder, the bone is coming out of his shin",
    "in a cast for my broken ankle, toes gone purple and cold and numb",
    "打了石膏，今天脚趾头紫了一大片",  # a purple patch on toes in a cast is not read as a muscle's bruise
])
def test_round_81_twins_stay_emergencies(rules_alone: None, text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency", r.evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # Round 82 (blind FH–FK, scored once on the round-81 code): paraphrases of what the wave missed or over-raised, carried
    # by the rules alone
    (("I am the helper for Ah Ma (my employer's grandmother) 82 years. This morning she can't lift her right arm, food "
      "comes out of the right side of her mouth and her talking is like drunk"), {"emergency"}, "emergency"),
    ("dived for the ball, felt my shoulder pop out, it looks square, there's a numb patch on the outside of my upper arm",
     {"emergency"}, "emergency"),
    ("我妈感冒发烧38度，流鼻涕，膝盖老毛病也痛，可是膝盖没有红没有肿，走路跟平常差不多", {"joint", "other"}, None),
    ("宝宝上午打了百白破，大腿打针那里鼓了个硬疙瘩，有点红，晚上低烧37.8，走路有点瘸", {"pediatric", "other"}, None),
    ("孩子手腕骨折打了石膏，里面痒，手指头粉粉的热热的，都能动。网上说石膏太紧会坏死，吓得我睡不着", {"pediatric", "trauma"},
     None),
    ("我爸前天突然嘴歪了，眼睛闭不上，急诊做了CT都没事，急诊医生说手脚力气都正常，是面神经炎", {"neurology", "other"}, None),
    ("my daughter 3 months has a red raised strawberry mark on her arm, bigger since birth, soft, not painful",
     {"pediatric", "other"}, None),
])
def test_round_82_department_and_urgency(rules_alone: None, text: str, departments: set[str], urgency: str | None
                                         ) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize("text", [
    # twins: a flu with a red, swollen knee raises; a febrile toddler who will not walk days after a jab raises; a cast
    # with fingers gone purple and numb raises
    "感冒发烧38度5，膝盖又红又肿，走不了路",
    "my son 2 has fever 39 since yesterday and does not want to walk anymore, screams when I move his leg",
    "孩子手腕骨折打了石膏，今天手指发紫发麻，疼得睡不着",
])
def test_round_82_twins_stay_emergencies(rules_alone: None, text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency", r.evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # Round 83 (blind FL–FO, scored once on the code with the urgency model): paraphrases of what the wave missed or
    # over-raised, carried by the rules alone
    ("老婆生完BB十日 左边小腿肿到成只脚咁粗 好痛", {"emergency"}, "emergency"),
    ("媳妇怀娃七个月了 两只脚都肿 早上起来就消了 不疼不红", {"other"}, "routine"),
    ("闺女十六 跑完一千米说胸口疼喘不上来 歇会儿就好了 医院做了心电图说正常", {"other", "sports"}, None),
    (("Lifted my husband off the floor yesterday, now the right side of my chest is sore when I twist or press there. "
      "Breathing ok, no sweating"), {"sports", "other", "trauma"}, None),
    ("帮儿子搬家抬冰箱 第二天左边肋巴扇疼 一按就疼 大喘气也疼 不憋气 胳膊不疼", {"sports", "other", "trauma"}, None),
    ("我妈七十五 骨质疏松 两个月前拍片说胸十二压缩骨折 现在疼轻多了", {"spine"}, None),
    ("脚踝骨折没移位 嫌打石膏麻烦没打 脚趾头暖和 能动 不麻", {"trauma", "foot_ankle"}, "urgent"),
    ("在电子厂流水线上班 半夜手麻醒 甩甩就好 大拇指食指中指麻", {"hand", "neurology"}, "routine"),
    ("做木工的 无名指弯下去伸不直 要掰 咔哒响 怕是骨头断了 没摔没撞", {"hand"}, "routine"),
    ("I've had numbness in both hands for months, keep dropping cups, and I lose my balance walking", {"spine"}, "urgent"),
    ("喂奶第三周 右边奶又红又肿 发烧38度5 背也有点酸", {"other"}, "urgent"),
    ("俺爹帕金森好几年 走路越来越小碎步 腿发僵", {"neurology"}, "routine"),
    (("my mother 80 has knee pain worse at night after a long walk, xray showed arthritis, never had cancer, does she need "
      "to see a tumor doctor"), {"joint"}, "routine"),
    ("cast on my wrist since Monday, yesterday my fingers were tingly, today they're pink and warm and the tingling is gone",
     {"trauma", "hand"}, None),
])
def test_round_83_department_and_urgency(rules_alone: None, text: str, departments: set[str], urgency: str | None
                                         ) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


def test_round_83_a_bouncy_castle_is_where_a_child_played_not_a_cotton_gait(rules_alone: None) -> None:
    r = assess("my 3yo went on a bouncy castle yesterday and is limping a bit today, no fever, running around")
    assert r.department == "pediatric" and "myelopathy" not in r.red_flags, r.evidence
    assert "myelopathy" in assess("my legs feel like walking on a bouncy castle and my hands are clumsy").red_flags


@pytest.mark.parametrize("text", [
    # twins: a chest pain now, with sweating, is raised whatever an earlier ECG showed; mastitis with a risk factor and a
    # bad back raises; tingly and cold fingers in a cast raise; a week after the birth a swollen, painful calf raises
    "做了心电图说正常，现在胸口又压着疼，出冷汗，喘不上气",
    "ECG was normal last month, now crushing chest pain and sweating",
    "糖尿病 喂奶第三周 奶又红又肿 发烧39度 腰痛得厉害",
    "cast on my wrist since Monday, now my fingers are tingly and cold",
    "腰痛 刚生完bb一个礼拜 小腿又肿又痛",
])
def test_round_83_twins_stay_emergencies(rules_alone: None, text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency", r.evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # Round 84 (blind FP–FS, scored once on the round-83 code): paraphrases of what the wave missed or over-raised, carried
    # by the rules alone
    ("我外婆上个月闪了腰 一直躺在床上 没怎么下过地 今天右边那条腿从大腿到脚板都肿了 比左边粗 有点痛", {"emergency"}, "emergency"),
    (("My son's knee was hot and swollen after rugby with a fever for a day; at the hospital they drained fluid from the "
      "knee and said no infection, just blood. No fever for four days now"), {"sports", "pediatric", "trauma"}, None),
    ("昨晚手压在头下面睡的 早上起来整只手麻 甩了几分钟就好了", {"hand", "neurology"}, "routine"),
    (("I had breast cancer eight years ago, my knee aches after walking, my oncologist did a bone scan and it came back "
      "clear"), {"joint"}, "routine"),
    ("I'm on warfarin, bumped my head on a cupboard yesterday, they CT'd my head at A&E, all clear, sent home, just a sore spot",
     {"trauma", "other", "neurology", "spine"}, None),
    ("lifted a heavy box yesterday and now my left chest is sore when me press it, not short of breath, no sweating",
     {"sports", "other", "trauma"}, None),
    ("Put my back out lifting a sofa. I read about bladder problems so I checked: I pee normally, no numbness down below",
     {"spine"}, "routine"),
    ("奶奶七十多了 膝盖后面鼓了个包 软软的 蹲下去胀 膝盖痛了好多年", {"joint"}, "routine"),
    ("new mum, carrying my 3 month old all day and now the thumb side of my wrist hurts when I lift her", {"hand"}, "routine"),
    ("Had three kids and I leaked a bit when I cough ever since, back's been bad for years, same as always",
     {"other", "spine"}, "routine"),
    ("I'm 71, sneezed and got mid back pain, X-ray showed a crush fracture at T11, legs fine", {"spine"}, None),
])
def test_round_84_department_and_urgency(rules_alone: None, text: str, departments: set[str], urgency: str | None
                                         ) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize("text", [
    # twins: signs read about, then had, raise; a head knock on warfarin not yet scanned raises; a calf swollen after two
    # weeks in bed raises; a hot knee with fever not yet tapped raises; crushing chest pain after lifting raises
    "I read about cauda equina and I can't pee since this morning and my back hurts",
    "网上看到说腰疼尿不出来要去急诊 我现在腰疼 尿不出来",
    "On warfarin, fell and hit my head this morning, now a bad headache",
    "躺在床上两个礼拜了 今天左边小腿肿得发亮 一按就痛",
    "knee hot and swollen with a fever of 39 since yesterday, they haven't tapped it yet",
    "lifted a box, now crushing chest pain and sweating, can't catch my breath",
])
def test_round_84_twins_stay_emergencies(rules_alone: None, text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency", r.evidence


@pytest.mark.parametrize(("text", "departments", "urgency"), [
    # Round 85 (blind FT–FW, scored once on the round-84 code): paraphrases of what the wave over-raised, carried by the
    # rules alone
    ("After my wrist surgery the wound has healed but the scar is lumpy and itchy, is the plate rejecting?", {"trauma", "hand"},
     None),
    ("Had my hip replaced 3 weeks ago, temperature 37.5 once last night, normal since, wound dry, walking further each day",
     {"joint"}, None),
    ("Old break in my ankle from a fall back in 2005, set a bit crooked, stiff in the cold mornings", {"trauma", "foot_ankle"},
     None),
    ("I have a lump on my shoulder blade, it was small in spring, it is growing fast now", {"bone_tumor"}, "urgent"),
    ("my scar opened up and I can see the plate", {"emergency"}, "emergency"),
    ("我爸七十了 下楼梯从顶上一直滚到底 十几级 脖子痛", {"emergency"}, "emergency"),
    ("下楼梯摔了一跤 崴了脚 能走", {"foot_ankle", "trauma", "sports"}, None),
])
def test_round_85_department_and_urgency(rules_alone: None, text: str, departments: set[str], urgency: str | None
                                         ) -> None:
    r = assess(text)
    assert r.department in departments, (r.scores, r.conditions, r.evidence)
    assert r.urgency == urgency if urgency else r.urgency != "emergency", r.evidence


@pytest.mark.parametrize("text", [
    # twins: a bone through a healed scar raises; pain in a cast beyond painkillers with shiny swollen toes raises; a hot,
    # red replaced knee with a fever of 38.6 raises
    "the wound has healed but now the bone is poking through the scar",
    "石膏里面越来越痛 止痛药没用 脚趾头肿得发亮",
    "knee replacement two weeks ago, now temperature 38.6 and the knee is hot and red",
    "胳膊摔断了打的石膏 疼得越来越凶 手肿得跟馍馍一样 手指头一扳就疼 能不能自己把石膏拆了",
])
def test_round_85_twins_stay_emergencies(rules_alone: None, text: str) -> None:
    r = assess(text)
    assert r.urgency == "emergency", r.evidence
