"""Red-flag rules: several patient phrasings per flag, and decoys that must not fire."""

import pytest

from osteon.triage.engine import assess
from osteon.triage.knowledge import RED_FLAG_CODES

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
