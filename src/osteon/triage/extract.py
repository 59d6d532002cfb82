"""Finding extraction: sites with laterality, symptoms, negation/uncertainty, duration, severity, age, sex."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from functools import lru_cache
from itertools import pairwise
from typing import Any

from osteon.triage.knowledge import Knowledge, load_knowledge
from osteon.triage.lexicon import Match, get_lexicon
from osteon.triage.normalize import is_cjk, normalize

# Clinical kinds that negation / uncertainty apply to (a negated person word means nothing)
_NEGATABLE = {"site", "symptom", "modifier", "mechanism", "condition", "context", "nonortho"}
_SHORT_NEG = {"不", "没", "无", "未", "冇", "唔", "伐", "勿", "弗", "毋"}


@dataclass
class Finding:
    """One clinical finding extracted from a patient utterance, with its evidence span."""

    concept: str
    kind: str
    std: str
    text: str
    start: int
    end: int
    tags: frozenset[str]
    negated: bool = False
    uncertain: bool = False
    laterality: str | None = None
    site: str | None = None
    site_tags: frozenset[str] = field(default_factory=frozenset)
    dialect: str = ""
    utterance: int = 0
    source: str = "lexicon"
    corrected_by: int | None = None  # utterance index of a later correction (不对,是左边)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (tags as sorted lists)."""
        d = asdict(self)
        d["tags"] = sorted(self.tags)
        d["site_tags"] = sorted(self.site_tags)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        """Rebuild a finding from to_dict() output."""
        d = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        d["tags"] = frozenset(d.get("tags", ()))
        d["site_tags"] = frozenset(d.get("site_tags", ()))
        return cls(**d)


@dataclass
class Extraction:
    """Everything the extractor understood from one utterance."""

    text: str
    normalized: str
    findings: list[Finding]
    age: float | None = None
    age_assumed: str | None = None  # "child" / "older" when only a person word was given
    sex: str | None = None
    duration_days: float | None = None
    duration_text: str | None = None
    severity: int | None = None
    height_m: float | None = None
    lang: str = "zh"
    lateralities: list[str] = field(default_factory=list)  # every 左/右/两边 said, attached to a site or not

    @property
    def positives(self) -> list[Finding]:
        """Findings that are asserted (not negated)."""
        return [f for f in self.findings if not f.negated]

    @property
    def negatives(self) -> list[Finding]:
        """Findings the patient denied."""
        return [f for f in self.findings if f.negated]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        d = {k: v for k, v in asdict(self).items() if k != "findings"}
        d["findings"] = [f.to_dict() for f in self.findings]
        return d


# ---------------------------------------------------------------- regexes (run on normalised text)
_CHILD_WORDS = (r"(?:患儿|宝宝|孩子|婴儿|小孩|娃儿|娃|孙子|孙女|儿子|女儿|男孩|女孩|个仔|个女|细路仔|细路|小囡|囡囡|小朋友|幺儿|孙仔|孙囝|"
                r"囝仔|囡仔|细伢子|细伢|伢子|伢崽|伢儿|崽崽|细蚊仔|妹仔|细妹|bb仔|bb|啤啤|细人仔|细人子|孙崽|细崽)")
# the writer's own age, said as such: 我29岁 / 本人今年45岁 / i'm 29 years old / 31f (forum style)
_AGE_SELF = re.compile(r"(?:(?<![他她它])我|本人)(?:今年|已经)?\s*(\d{1,3})\s*(?:周岁|岁)|\bi'?m (\d{1,3}) ?(?:years?|yrs?|y/?o)\b"
                       r"|(?:^|[\s,(])(\d{2}) ?[mf](?=$|[\s,.)])"
                       # "i am 74 my left arm …": a bare two- or three-digit number that is no measure
                       r"|\b(?:i am|i'm|im) (\d{2,3})\b(?![ -]?(?:kg|kilos?|lbs?|pounds?|cm|feet|foot|ft|min\w*|hours?|hrs?|days?|"
                       r"weeks?|wks?|months?|%|percent|times|x\b|/|\.\d))")
_THING_AGE = re.compile(r"\b(?:replacement|implant|prosthesis|plate|rod|screws?|car|house|phone|operation|surgery|op|"
                        r"scar|cast|mattress|shoes?|brace|hearing aid|pacemaker|fracture|break|injury|wound|ulcer)\b"
                        r"[^.!?,;]{0,40}? (?:is|was|are|were|'s) (?:now )?$")
_AGE_YEARS = re.compile(r"(\d{1,3})(几)?(多)?\s*(?:周岁|岁)(半)?")
# (an age, not a duration: after "is", "aged", a bracket or a comma, or followed by "old" — "back pain for 2 years 3 months"
# is no toddler)
_AGE_YEARS_MONTHS = re.compile(
    r"(?:\b(?:is|aged|age)\s+|[(,]\s*)(\d{1,2}) ?(?:years?|yrs?|y)(?: and)? (\d{1,2}) ?(?:months?|mths?|mos?|m)\b"
    r"|\b(\d{1,2}) ?(?:years?|yrs?)(?: and)? (\d{1,2}) ?months? old\b|(?<!\d)(\d{1,2})岁(?:零)?(\d{1,2})个?月")
_AGE_MONTHS = [
    re.compile(rf"(\d{{1,2}})\s*个?(?:多)?月(?:大)?(?:的)?\s*{_CHILD_WORDS}"),
    # not "生完娃两个月" (two months after giving birth: the mother writes)
    # (round 71, DN: 客家 "𠊎个细人仔两只月" — 只 is the months' classifier there; 客家 "𠊎生细人仔三只月" is the mother)
    # (round 83, FM: nor "我媳妇怀娃八个月了" — eight months pregnant)
    re.compile(rf"(?<!生完)(?<!生了)(?<!生)(?<!怀)(?<!怀了){_CHILD_WORDS}\s*(?:才|刚|刚满|满)?\s*(\d{{1,2}})\s*[个只]?(?:多)?月"),
    # not 这三个月大胯疼 / 三个月大腿疼 / 两个月大便不好 (round 48: 大 begins the next word)
    re.compile(r"(\d{1,2})\s*个?月大(?![了胯腿拇脚臂髀便小])"),
    # clinicians' shorthand: "5/12 old" is five months (round 48, BL)
    re.compile(r"\b(\d{1,2})/12(?: ?(?:old|o)\b|,? ?(?:male|female|boy|girl|[mf]\b))"),
    re.compile(r"(\d{1,2})[ -]?months?[ -]?old"),
    # "my neighbour's bubba, he's 3 months": a pronoun, then months that are no "ago"
    re.compile(r"\b(?:he|she)'s (?:only |just )?(\d{1,2})[ -]?(?:months?|mths?|mos?)\b(?! ago)"),
    # "the baby I take care is 3 months", "3 month baby"
    re.compile(r"\b(?:baby|infant|newborn|son|daughter|boy|girl|child|kid)\b[^,.;!?]{0,25}?\b(\d{1,2})[ -]?months?\b(?! ago)"),
    re.compile(r"\b(\d{1,2})[ -]?months?(?:-old)? (?:baby|infant|son|daughter|boy|girl)\b"),
    # a referral's "Re: boy, 4 months, seen at …" (round 60)
    re.compile(r"\b(?:baby|infant|son|daughter|boy|girl|child)\b, (\d{1,2})[ -]?(?:months?|mths?|mos?)\b(?! ago)"),
    # a note's "8mo M brought by mum's partner" (round 62): months, then the sex
    re.compile(r"\b(\d{1,2}) ?(?:mo|mos|mth|mths|m/o)\b,? ?(?:m|f|male|female|boy|girl)\b"),
    # "3mo baby", "baby 3mo" (round 20)
    re.compile(r"\b(\d{1,2}) ?mos?(?: old)? (?:baby|infant|son|daughter|boy|girl)\b"),
    re.compile(r"\b(?:baby|infant)\b[^,.;!?]{0,20}?\b(\d{1,2}) ?mos?\b(?! ago)"),
]
_AGE_WEEKS = [
    re.compile(r"(\d{1,2})[ -]?weeks?[ -]?old"),
    re.compile(r"\b(\d{1,2})/52(?: ?(?:old|o)\b|,? ?(?:male|female|boy|girl|[mf]\b))"),
    re.compile(r"(?:出生|生下来)\s*(\d{1,2})\s*(?:周|星期)"),
    re.compile(r"(\d{1,2})\s*(?:周|星期)大(?![夜班白])"),  # not 一周大夜班 (a week of night shifts: round 61)
]
_AGE_OTHER = [
    re.compile(r"今年\s*(\d{2,3})(?![\d年个天月周])"),
    re.compile(r"(?<![\d.])([2-9]\d|1[01]\d)(几)?(多)?了(?=$|[,。.，;；!！?？ ])"),
    re.compile(r"(\d{1,3})[ -]?(?:years?|yrs?|yr)[ -]?(?:olds?|ol)\b"),
    # "My boy Ti-Jean, he 24, …" (round 45): he/she and a two-digit number set off by a comma or a full stop
    re.compile(r"\b(?:he|she)(?: is|'s)? (\d{2})(?=\s*[,.;]| years| yrs| yo\b)"),
    # "… nursery said get it checked?? he's 6" (round 61): a one-digit age ending the text or its sentence
    re.compile(r"\b(?:he|she)(?: is|'s) (\d)(?=\s*$|\s*[.;!?])"),
    re.compile(r"\b(\d{1,3})\s?(?:yo|y/o|y\.o\.?|yr old|yrs old)(?![a-z])"),
    # "little girl maybe 3 years has bruises": a child word, then a number of years that is not "ago"
    re.compile(r"\b(?:baby|son|daughter|boy|girl|child|kid|toddler|nephew|niece)\b[^.;!?]{0,15}?\b(\d{1,2})[ -]?(?:years?|yrs?)\b(?! ago)"),
    # "my son 17 play basketball", "my son runs cross-country, 16.": a bare number right after the child word,
    # or ending the sentence after a comma
    re.compile(r"\b(?:son|daughter|boy|girl|kid|nephew|niece|grandson|granddaughter) (\d{1,2})\b(?![ -]?(?:\d|[a-z]*(?:"
               r"day|week|month|year|hour|min|time|kg|cm|km|mile|lb|pound|am|pm|x)))"),
    re.compile(r"\b(?:son|daughter|boy|girl|kid|nephew|niece|grandson|granddaughter)\b[^.;!?]{0,40}, (\d{1,2})(?=\s*(?:$|[.;!?]))"),
    # "my young lad is 5 and has bruises" (round 41): the child word, "is", a bare number
    # (a forum's DS/DD, "darling son/daughter": round 60)
    re.compile(r"\b(?:son|daughter|boy|girl|kid|lad|lass|wean|nephew|niece|grandson|granddaughter|little one|wee one|ds|dd) "
               r"(?:is|'s) (\d{1,2})\b(?![ -]?(?:\d|[a-z]*(?:day|week|month|hour|min|kg|cm|km|lb|pound|am|pm)))"),
    # "one of my kids, 2 and a half, came in with bruises": the number set off by commas right after the child word
    re.compile(r"\b(?:kids?|sons?|daughters?|boys?|girls?|child|toddlers?|nephews?|nieces?|grandsons?|granddaughters?),? "
               r"(\d{1,2})(?: and a half)?(?=,)"),
    re.compile(r"\bi'?m (\d{1,3})\b(?! ?(?:kg|cm|weeks|days|months))"),
    # nurse notes and third-person posts: "young guy 24", "pt 67", "woman, 45" (round 20)
    re.compile(r"\b(?:guy|man|woman|lady|gentleman|male|female|patient|pt)\b,? ?(\d{2})\b(?! ?(?:days?|weeks?|wks?|months?|"
               r"hours?|hrs?|mins?|minutes?|kg|cm|lbs?|times|x\b|%|/|years? ago))"),
    re.compile(r"\baged? (\d{1,3})\b"),
    # "my granddaughter Lily (3)", "my daughter (11)": a child word, perhaps a name, the age in brackets (round 60)
    re.compile(r"\b(?:granddaughter|grandson|son|daughter|girl|boy|child|kid|toddler|nephew|niece)\b (?:[a-z]+ )?\((\d{1,2})\)"),
    # a school nurse's "(12 y)" (round 52)
    re.compile(r"\(\s*(\d{1,2})\s*(?:y|yo|yrs?|y/o)\s*\)"),
    # "little maid, just turned 3": a birthday said as a number (round 31)
    re.compile(r"\b(?:just |only |recently )?turned (\d{1,3})\b(?! ?(?:degrees?|°|times?|%|kg|cm|am|pm|o'clock|mins?|minutes?))"),
    # "resident mrs kowalski 88 found on the floor": a title and a surname, then the age
    # … or a first name and an initial ("re Mrs Eileen P, 74", "Mr J. Okafor, 58": round 60, referral letters)
    re.compile(r"\b(?:mrs|mr|ms|miss)\.? (?:[a-z'.-]+ ){0,2}[a-z'-]+,? (\d{2,3})\b(?![ -]?(?:kg|cm|lbs?|years? ago|%|/|min\w*|hours?|hrs?|days?|weeks?|months?))"),
    # "I write for my mother, 68 years": a relative, then a number of years that is not "ago"
    re.compile(r"\b(?:mother|father|mom|mum|mam|dad|wife|husband|grandma|grandpa|granny|gran|grandmother|grandfather|lola|lolo|"
               r"uncle|aunt|auntie|brother|sister)\b,? (?:is |aged? )?(\d{2,3})[ -]?(?:years?|yrs?)\b(?! ago)"),
    # "I am helper for Ama (grandma of my employer) 80 years" (round 82, FH): a relative named in brackets, then the years
    re.compile(r"\b(?:mother|father|mom|mum|mam|dad|grandma|grandpa|granny|gran|grandmother|grandfather|ama|ah ma|ah gong|"
               r"lola|lolo|nan|nana|uncle|aunt|auntie)\b[^()]{0,30}\)\s*,?\s*(\d{2,3})[ -]?(?:years?|yrs?)\b(?! ago)"),
    # "my lola is 80, she has cough" (round 61): a relative, "is", a bare two- or three-digit number ending the phrase
    re.compile(r"\b(?:mother|father|mom|mum|mam|dad|grandma|grandpa|granny|gran|grandmother|grandfather|lola|lolo|nan|nana)"
               r"\b(?: is|'s) (\d{2,3})(?=\s*[,.;!?]|\s*$)"),
    # "我娃二十五 腰疼": a family word, then a bare number that ends the phrase
    re.compile(r"(?:娃|孩子|儿子|女儿|闺女|小孩|伢子|仔|囡|小子)(?:今年|已经|都)?(\d{1,2})(?:岁|了)?(?=$|[,。.，;；!！?？ ])"),
]
# English ages said in words: "he's two and a half", "my three-year-old", "aged seven"
_EN_AGE_WORDS = {w: i for i, w in enumerate([
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"])}
_EN_AGE_WORD = "(" + "|".join(sorted(_EN_AGE_WORDS, key=len, reverse=True)) + ")"
_EN_AGE_SUBJECT = r"(?:(?:he|she)'s|(?:he|she|son|daughter|boy|girl|child|kid|nephew|niece|grandson|granddaughter|toddler) is|aged?|turned)"
_AGE_EN_WORDS = [
    re.compile(rf"\b{_EN_AGE_WORD}[ -]years?[ -]old\b"),
    # Jamaican and other Creole Englishes drop the copula: "mi pickney, she two, she did have fever" (round 67, CT)
    re.compile(rf"\b(?:he|she|shi|him) {_EN_AGE_WORD}(?=\s*[,.;]| an\b| and\b| year)"),
    re.compile(rf"\b{_EN_AGE_SUBJECT}\s+(?:just |only |nearly |almost )?{_EN_AGE_WORD}( and a half)?\b"
               r"(?! (?:days?|weeks?|months?|hours?|minutes?|times?|kg|cm))"),
]
_AGE_EN_MONTHS = re.compile(rf"\b{_EN_AGE_WORD}[ -]months?[ -]old\b")
_DUR = re.compile(
    r"(\d+(?:\.\d+)?|半|好几|几)(几)?\s*(?:个)?\s*(多|半)?\s*(分钟|小时|钟头|天|日|周|星期|礼拜|月|年)(多|半)?"
    r"|(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|few|"
    r"a few|several|half an?)\s+(minutes?|mins?|hours?|days?|weeks?|months?|years?)(?! old)"
)
_UNIT_DAYS = {
    "分钟": 1 / 1440,
    "minute": 1 / 1440,
    "min": 1 / 1440,
    "小时": 1 / 24,
    "钟头": 1 / 24,
    "天": 1,
    "日": 1,
    "周": 7,
    "星期": 7,
    "礼拜": 7,
    "月": 30,
    "年": 365,
    "hour": 1 / 24,
    "day": 1,
    "week": 7,
    "month": 30,
    "year": 365,
}
# number words in durations and heights: the age words (one … nineteen), the tens, and a few quantities
_EN_NUM = {**{w: n for w, n in _EN_AGE_WORDS.items() if n}, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
           "a": 1, "an": 1, "few": 3, "a few": 3, "several": 4, "half an": 0.5, "half a": 0.5}
_REL_DUR = [
    # 今儿/今儿个 (北方/东北), 今日 (粤), 今朝 (吴), 今仔日 (闽南); 昨儿 (北方), 琴日/寻日 (粤), 前儿 (北方)
    (re.compile(r"刚才|刚刚|今天|今早|今晚|今儿|今个|今日|今朝|今仔日|早上起来|today|this morning|since morning|just now|overnight|tonight|"
                r"this evening|this afternoon"), 0.5),
    (re.compile(r"昨天|昨晚|昨日|昨儿|昨夜|琴日|寻日|琴晚|yesterday|last night"), 1),
    (re.compile(r"前天|前儿"), 2),
    (re.compile(r"这两天|这几天|前几天|最近几天|few days"), 3),
    (re.compile(r"上周|上个礼拜|上礼拜|上只礼拜|上个拜|上星期|上个星期|last week"), 7),
    (re.compile(r"上个月|上月|last month|las month|lass month|个把月|一个来月"), 30),
    (re.compile(r"去年|last year"), 365),
    (re.compile(r"前年|year before last"), 730),
    (re.compile(r"好久|很久|好多年|多年|老毛病|好些年|for years|years(?! old)"), 730),
]
_NRS = re.compile(r"(?<![\d.])(10|[0-9])\s*(?:分(?!钟)|/10|out of 10)")
_HEIGHT_FLOOR = re.compile(r"(\d{1,2})\s*(?:楼|层)[^,。.，;；]{0,6}?(?:摔|掉|跳|坠|跌|滚|落|fell|fall)"
                           # the fall first, the height after ("跌落嚟，大概两层楼咁高")
                           r"|(?:摔|掉|跳|坠|跌|滚|落)[^。.;；]{0,12}?(\d{1,2})\s*(?:层楼|层|楼)(?:咁|那么|这么|那样)?高")
# a step or a fall told in centimetres ("I miss the last step, it is maybe 50 cm", 摔下来五十公分)
_HEIGHT_CM = re.compile(
    r"(?:摔|掉|跳|跌|fell|fall|miss|missed|step|stepped|jump|jumped|slipped)[^。.;；]{0,40}?(\d{1,3})\s*(?:cm|centimet(?:er|re)s?|公分|厘米)")
_HEIGHT_M = [
    re.compile(r"(\d+(?:\.\d+)?)\s*(?:米|meters?|metres?|m\b)[^,。.，;；]{0,6}?(?:摔|掉|跳|坠|跌|落)"),
    re.compile(
        r"(?:摔|掉|跳|坠|跌|fell|fall|落|come down|came down|cowped|tumbled|dropped|went over|went off|over the edge)[^。.;；]{0,45}?"
        r"(\d+(?:\.\d+)?|two|three|four|five|six|seven|eight|nine|ten)\s*(?:米|meters?|metres?|m\b)"
    ),
]
_HEIGHT_EN_FLOOR = re.compile(
    r"(?:fell|fall|falls|falling|jumped|came off|come off|coming off|dropped|tumbled|slipped off)[^.;]{0,40}?"
    r"(second|third|fourth|fifth|2nd|3rd|4th|5th) (?:floor|storey|story|level)"
)
_EN_FLOORS = {"second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5, "5th": 5}
_TEMP = re.compile(r"(3[5-9]|4[0-2])(?:\.(\d))?\s*(?:度|℃|°c|°)(\d)?")
# a reading without its unit ("woke with 38.9", "烧到39.2了"): one decimal between 35.0 and 42.9, not a weight, a
# length, a price or an age
_TEMP_BARE = re.compile(
    r"(?<![\d.])(3[5-9]|4[0-2])\.(\d)(?!\d|\.\d)(?!\s*(?:kg|kilos?\b|lbs?\b|pounds?\b|公斤|斤|g\b|cm|mm|厘米|毫米|米|m\b|%|km|公里|mg|ml|元|块|岁|周|w\b|"
    r"years?\b|yrs?\b|weeks?\b|wks?\b|hours?\b|hrs?\b|min|inch|feet|ft\b))"
)
# a normal temperature said in words (round 60: a referral's "afebrile since", 湘 "冒发烧" — bare 冒 is no negator in
# cues.yaml, 冒汗 is a sweat): a fever denied, where it was said
_AFEBRILE = re.compile(r"\bafebrile\b|\bapyrexial\b|体温正常|温度正常|体温不高|(?<!感)冒(?:发烧|发热|烧)")
# Fahrenheit, as American and Filipino writers give it ("102F", "temp 101.5 f")
_TEMP_F = re.compile(r"(?<![\d.])(9[5-9]|10[0-9])(?:\.(\d))?\s*(?:°\s*f\b|℉|f\b|fahrenheit|degrees f)")
# … or without its unit after the word ("No fever, temperature 98.4", "temp 101.2": round 80, FF): a Fahrenheit reading
# has a decimal, or is 99-106 (a Celsius one is 35-42, read above)
_TEMP_F_WORD = re.compile(r"\b(?:temperature|temp|temps)\b\s*(?:is |was |of |reading |at |: ?|= ?)?(9[5-9]|10[0-6])(?:\.(\d))?(?!\d|\.\d)"
                          r"(?<=\.\d|99|00|01|02|03|04|05|06)")
_MALE = re.compile(
    r"男|先生|儿子|个仔|孙子|老爷子|爷爷|我爸|老汉儿|\bman\b|\bmale\b|\bhe\b|\bhis\b|my son|my father|my dad"
)
_FEMALE = re.compile(
    r"女|阿姨|大妈|我妈|老太|奶奶|姥姥|外婆|阿婆|个女|\bwoman\b|\bfemale\b|\bshe\b|\bher\b|my daughter|my mother|my mum|my mom"
)


# a past time said as a date: 2020年, 十几年前, in 2019, three years ago
_PAST_TIME = re.compile(r"(?:19|20)\d{2}\s*年|(?:in|back in) (?:19|20)\d{2}\b|\bback in '\d{2}\b|\d+几?\s*(?:年|个月)\s*前|\b\d+ (?:years?|yrs?|months?) (?:ago|back)\b")
# after "fever gone / 烧退了": it was brought down or came back, so it is not over
_HEALED_BUT_SCAR = re.compile(r"\s*but (?:the |my |a )?scar\b")
_GONE_BUT = re.compile(r"\s*(?:with|after|on|but|then|and then|until|till|又|吃了|吃药|用了|打了|一会|过一会|了又)")


@lru_cache(maxsize=1)
def _cue_regexes() -> dict[str, re.Pattern[str]]:
    """Compile cue lists from cues.yaml into alternation regexes (longest first)."""
    kn = load_knowledge()

    def alt(items: list[str]) -> re.Pattern[str]:
        parts = []
        for w in sorted({normalize(i, numerals=False) for i in items}, key=len, reverse=True):
            esc = re.escape(w)
            # not inside a word nor after a contraction's apostrophe ("don't"), but after an opening quote ("'return
            # immediately if …'": round 49)
            parts.append(rf"(?<![a-z])(?<![a-z]'){esc}(?![a-z])" if w.isascii() and w[0] != "'" else esc)
        return re.compile("|".join(parts))

    return {
        "neg_pre": alt(kn.cues["negation_pre"]),
        "neg_post": alt(kn.cues["negation_post"]),
        "site_normal_post": alt(kn.cues["site_normal_post"]),
        "gone_post": alt(kn.cues["gone_post"]),
        "uncertain": alt(kn.cues["uncertain"]),
        "feared": alt(kn.cues["feared"]),
        "hypothetical_open": alt(kn.cues["hypothetical_open"]),
        "hypothetical_close": alt(kn.cues["hypothetical_close"]),
        "advice_said": alt(kn.cues["advice_said"]),
        "advice_if": alt(kn.cues["advice_if"]),
        "advice_then": alt(kn.cues["advice_then"]),
        "advice_instructs": alt(kn.cues["advice_instructs"]),
        "hearsay": alt(kn.cues["hearsay"]),
        "hypothetical_sentence": alt(kn.cues["hypothetical_sentence"]),
        "return_if": alt(kn.cues["return_if"]),
        "other_person": alt(kn.cues["other_person"]),
        "own_complaint": alt(kn.cues["own_complaint"]),
        "childhood": alt(kn.cues["childhood"]),
        "hearsay_then": alt(kn.cues["hearsay_then"]),
        "asked_about": alt(kn.cues["asked_about"]),
        "feared_unless": alt(kn.cues["feared_unless"]),
        "break_words": alt(kn.cues["clause_break_words"]),
        "unknown": alt(kn.cues["unknown"]),
        "history_past": re.compile(alt(kn.cues["history_past"]).pattern + "|" + _PAST_TIME.pattern),
        # 早就好了 said with another final particle (早就好咯 / 好啰 / 好嘞 / 好哒 / 好啦: round 40, AY)
        "history_resolved": alt([*kn.cues["history_resolved"], *_particle_variants(kn.cues["history_resolved"])]),
        "history_present": alt(kn.cues["history_present"]),
    }


_FINAL_PARTICLES = "咯啰喽嘞哒啦喇"


def _particle_variants(words: list[str]) -> list[str]:
    """Each Chinese cue ending in 了 with the other sentence-final particles dialects use instead."""
    return [w[:-1] + p for w in words if w.endswith("了") for p in _FINAL_PARTICLES]


_PUNCT = set(",.;!?。，；！？\n")


def _clause_text(norm: str, start: int, end: int) -> str:
    """The clause (between punctuation) around norm[start:end]."""
    a = start
    while a > 0 and norm[a - 1] not in _PUNCT:
        a -= 1
    b = end
    while b < len(norm) and norm[b] not in _PUNCT:
        b += 1
    return norm[a:b]


def _covered(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """True if [start, end) overlaps any span."""
    return any(s < end and start < e for s, e in spans)


def _clause_ids(text: str, match_spans: list[tuple[int, int]], knowledge: Knowledge) -> list[int]:
    """Give every character a clause number; clauses break at punctuation and contrast words (但, but)."""
    breaks = set(knowledge.cues.get("clause_break_chars", "，。,.;；!！?？\n"))
    starts_new: set[int] = set()
    for m in _cue_regexes()["break_words"].finditer(text):
        if not _covered(match_spans, m.start(), m.end()):
            starts_new.add(m.start())
    ids, cid = [], 0
    for i, ch in enumerate(text):
        if ch in breaks or i in starts_new or _spaced_cjk(text, i):
            cid += 1
        ids.append(cid)
    return ids


def _spaced_cjk(text: str, i: int) -> bool:
    """A space between two Chinese characters is the patient's comma (翻不了身 天天发烧); English spaces are not."""
    if text[i] != " " or i == 0 or text[i - 1] == " ":
        return False
    j = i + 1
    while j < len(text) and text[j] == " ":
        j += 1
    return j < len(text) and is_cjk(text[i - 1]) and is_cjk(text[j])


# "两年前换了膝关节，疼了三天": a date of an operation or treatment, not how long today's complaint has lasted
_EVENT = (r"(?:\s*ago)?\s*(?:,|，)?\s*(?:我|他|她|i|he|she)?\s*(?:在\S{0,6})?(?:做了?|换了?|置换|装了|打了钢板|上了钢板|开了?刀|动了?手术|"
          r"手术|治好|得过|查出|had (?:an? |my |the )?(?:operation|surgery|replacement|op)\b|"
          r"had (?:my |the |a )?\w+ (?:replaced|operated|fixed|plated|pinned)\b)")
_EVENT_AFTER = re.compile(_EVENT)
_EVENT_DATE = re.compile(r"\s*(?:前|以前|之前|ago)" + _EVENT)


def _duration(text: str, taken: list[tuple[int, int]]) -> tuple[float | None, str | None]:
    """Return (days, matched text) for the first duration expression not used as an age: the earliest in the
    text, numeric (三个多月) or relative (今儿早上, 去年), so old history told later does not date today's injury."""
    found: list[tuple[int, float, str]] = []
    for m in _DUR.finditer(text):
        if _covered(taken, m.start(), m.end()) or _EVENT_DATE.match(text, m.end()):
            continue
        if m.group(4):
            raw = m.group(1)
            value = 0.5 if raw == "半" else 3.0 if raw in ("几", "好几") else float(raw)
            if m.group(2):  # 十几 -> 10几
                value += 5
            if m.group(3) == "半" or m.group(5) == "半":
                value += 0.5
            days = value * _UNIT_DAYS[m.group(4)]
        else:
            raw = m.group(6)
            value = _EN_NUM.get(raw, None) or float(raw)
            days = value * _UNIT_DAYS[m.group(7).rstrip("s")]
        found.append((m.start(), days, m.group(0)))
        break
    for rx, rel_days in _REL_DUR:
        for m in rx.finditer(text):
            if not _covered(taken, m.start(), m.end()) and not _EVENT_AFTER.match(text, m.end()):
                found.append((m.start(), float(rel_days), m.group(0)))
                break
    if not found:
        return None, None
    _, days, said = min(found, key=lambda f: f[0])
    return days, said


_SENTENCE_END = re.compile(r"[。.!?！？\n]")


def _sentences(norm: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of the normalised text, its closing mark included."""
    return list(pairwise([0, *(m.end() for m in _SENTENCE_END.finditer(norm)), len(norm)]))


def _fresh_injury(text: str, findings: list[Finding], taken: list[tuple[int, int]]) -> tuple[float, str] | None:
    """A recent time (today … a few days ago) earlier in the sentence of an injury mechanism, for a text whose first
    duration is weeks or years old: "颈椎病好几年了 … 昨天让小轿车给刮倒了" is an injury from yesterday on top of an
    old complaint, and yesterday dates what is wrong now."""
    bounds = [0, *(m.end() for m in _SENTENCE_END.finditer(text)), len(text)]
    best: tuple[int, float, str] | None = None
    for f in findings:
        if f.negated or "mech.injury" not in f.tags or f.end <= f.start:
            continue
        lo = max(b for b in bounds if b <= f.start)
        for rx, rel_days in _REL_DUR:
            if rel_days > 3:
                continue
            for m in rx.finditer(text, lo, f.start):  # the time leads up to the injury: "昨天 … 给刮倒了"
                if not _covered(taken, m.start(), m.end()) and (best is None or m.start() < best[0]):
                    best = (m.start(), float(rel_days), m.group(0))
    return (best[1], best[2]) if best else None


def _a_things_age(text: str, start: int) -> bool:
    """The number at ``start`` is said of a thing ("my knee replacement is 10 years old", "the fracture … is 8 months
    old"), not of the patient."""
    return bool(_THING_AGE.search(text, max(0, start - 60), start))


def _age(text: str, kinds: set[str]) -> tuple[float | None, list[tuple[int, int]]]:
    """Return (age in years, spans used) from explicit age expressions."""
    m = _AGE_SELF.search(text)
    if m:  # the writer's own age wins over a baby's months they mention ("我29岁，宝宝刚4个月")
        return float(next(g for g in m.groups() if g)), [m.span()]
    m = _AGE_YEARS_MONTHS.search(text)
    if m:  # "my daughter is 2 years and 4 months", 2岁4个月: the years count (round 76, EG — it was read as 4 months)
        years, months = (int(g) for g in m.groups() if g)
        return years + months / 12, [m.span()]
    for rx in _AGE_WEEKS:
        m = rx.search(text)
        if m:
            return int(m.group(1)) / 52, [m.span()]
    for rx in _AGE_MONTHS:
        for m in rx.finditer(text):
            if _a_things_age(text, m.start()):
                continue  # "my collarbone fracture … is 8 months old": the fracture's age (round 57)
            return int(m.group(1)) / 12, [m.span()]
    m = _AGE_YEARS.search(text)
    if m:
        age = float(m.group(1)) + (5 if m.group(2) else 0) + (0.5 if m.group(4) else 0)
        return age, [m.span()]
    for rx in _AGE_OTHER:
        for m in rx.finditer(text):
            if _a_things_age(text, m.start()):
                continue  # "my knee replacement is 10 years old": a thing's age, not the patient's (round 44)
            age = float(m.group(1)) + (5 if (m.lastindex or 0) >= 2 and m.group(2) else 0)
            if 0 < age < 120:
                return age, [m.span()]
            break
    # an infant's age in months said in words ("likkle baby jus three month old": round 76, EI)
    m = _AGE_EN_MONTHS.search(text)
    if m and _EN_AGE_WORDS[m.group(1)] > 0:
        return _EN_AGE_WORDS[m.group(1)] / 12, [m.span()]
    for rx in _AGE_EN_WORDS:
        m = rx.search(text)
        if m and _EN_AGE_WORDS[m.group(1)] > 0:
            half = (m.lastindex or 0) >= 2 and m.group(2)
            return _EN_AGE_WORDS[m.group(1)] + (0.5 if half else 0.0), [m.span()]
    return None, []


def extract(text: str, utterance: int = 0) -> Extraction:
    """Extract findings and context from one patient utterance (Chinese, dialect or English)."""
    knowledge = load_knowledge()
    norm = normalize(text or "")
    matches = get_lexicon().match(norm)
    spans = [(m.start, m.end) for m in matches]
    pattern_hits: list[tuple[str, re.Match[str]]] = []
    for cid, rx in knowledge.patterns:
        for pm in rx.finditer(norm):
            pattern_hits.append((cid, pm))
            spans.append(pm.span())
    # compose.yaml: component x component inside one clause (小便 x 屙不出, 骨头 x 外翻, 树 x 压住)
    for cid, rx, veto in knowledge.compositions:
        for pm in rx.finditer(norm):
            if veto is not None and veto.search(_clause_text(norm, pm.start(), pm.end())):
                continue
            pattern_hits.append((cid, pm))
            spans.append(pm.span())
    # a filler composition ("a broken wine glass") hides the lexicon words inside it, as a filler form does
    filler = [pm.span() for cid, pm in pattern_hits if knowledge.concepts[cid].kind == "filler"]
    if filler:
        matches = [m for m in matches if not _covered(filler, m.start, m.end)]
        pattern_hits = [(cid, pm) for cid, pm in pattern_hits if knowledge.concepts[cid].kind != "filler"]
    clause = _clause_ids(norm, spans, knowledge) if norm else []
    cues = _cue_regexes()
    unc_spans = [m.span() for m in cues["uncertain"].finditer(norm) if not _covered(spans, *m.span())]
    unk_spans = [m.span() for m in cues["unknown"].finditer(norm) if not _covered(spans, *m.span())]
    # a contrast word that holds a negator (不过 "but") breaks the clause and negates nothing
    break_spans = [m.span() for m in cues["break_words"].finditer(norm) if not _covered(spans, *m.span())]
    neg_pre = [
        m
        for m in cues["neg_pre"].finditer(norm)
        if not _covered(spans, *m.span()) and not _covered(unc_spans + unk_spans + break_spans, *m.span())
    ]
    neg_pre = _without_double_negation(norm, neg_pre)

    findings: list[Finding] = []
    lat_hits: list[Match] = []
    for m in matches:
        c = m.concept
        if c.kind == "filler":
            continue
        if c.kind == "lat":
            lat_hits.append(m)
            continue
        findings.append(
            Finding(
                c.id, c.kind, c.std, m.text, m.start, m.end, c.tags, dialect=m.dialect, utterance=utterance
            )
        )
    # longest first, like the lexicon: "…一点感觉都没有" beats its prefix "…一点感觉" (which 都没有 would negate)
    pattern_hits.sort(key=lambda h: (h[1].start() - h[1].end(), h[1].start()))
    for cid, pm in pattern_hits:
        if any(f.concept == cid and f.start < pm.end() and pm.start() < f.end for f in findings):
            continue
        c = knowledge.concepts[cid]
        findings.append(
            Finding(
                c.id,
                c.kind,
                c.std,
                pm.group(0),
                pm.start(),
                pm.end(),
                c.tags,
                utterance=utterance,
                source="pattern",
            )
        )
    # a calendar year before this one dates what is told with it ("a car crash back in 2019", "2020年摔断过"): round 54
    past = knowledge.concepts["ctx.past_event"]
    for ym in _PAST_YEAR.finditer(norm):
        if int(ym.group(1) or ym.group(2)) < date.today().year and not any(f.start <= ym.start() < f.end for f in findings):
            findings.append(Finding(past.id, past.kind, past.std, ym.group(0), ym.start(), ym.end(), past.tags,
                                    utterance=utterance, source="pattern"))
    findings.sort(key=lambda f: (f.start, f.end))
    findings = [f for f in findings if not _asked(norm, f)]
    _apply_after_site(findings, knowledge)
    _apply_negation(norm, findings, neg_pre, clause, cues)
    for f in findings:
        # 好像/可能/不知道有没有 anywhere in the clause makes its findings uncertain
        if (
            f.kind in _NEGATABLE
            and not f.negated
            and any(clause[s] == clause[f.start] for s, _ in unc_spans + unk_spans if s < len(clause))
        ):
            f.uncertain = True
    _apply_laterality(norm, findings, lat_hits, clause)
    _bind_sites(findings, clause)
    _unbind_pain_scores(norm, findings)
    _deny_sites_with_only_denied_symptoms(norm, findings, clause)
    _mark_family_history(norm, findings, clause, text or "")
    _mark_feared(norm, findings, clause)
    _mark_dated_cancer(findings, clause)
    _mark_resolved_history(norm, findings, clause)
    _mark_hypothetical(norm, findings)
    _mark_someone_elses_story(norm, findings)
    _mark_childhood_story(norm, findings)
    _fever_brought_down(norm, findings)
    _bare_heat_is_local(findings)
    _fever_came_back(findings)
    _doubt_denied_later(findings)
    findings.extend(_implied(findings, knowledge))

    kinds = {f.concept for f in findings if not f.negated}
    age, age_spans = _age(norm, kinds)
    age_assumed = None
    # the child named is the one being lifted (round 41: "me young lad"; round 47: 我生完崽两个月，天天抱细伢子): 妈妈手
    # (De Quervain) or carrying a baby, not 带孩子 (taking the child to the doctor: the child is the patient)
    carer = "cond.de_quervain" in kinds or "ctx.child_not_patient" in kinds or any(
        f.concept == "ctx.childcare" and not f.negated and not f.text.startswith("带") for f in findings
    )
    if age is not None and age < 3 and carer:
        # "宝宝四个月了，我天天抱娃，手腕疼" gives the baby's age, not the patient's
        age, age_spans = None, []
    if age is None:
        if carer:
            age_assumed = "older" if any("person.older" in f.tags for f in findings) else None
        elif any("person.infant" in f.tags for f in findings):
            age, age_assumed = 0.3, "infant"
        elif any("person.child" in f.tags for f in findings) and not any(
            ("person.adult" in f.tags or f.concept == "non.gyn") and not f.negated for f in findings
        ):  # a pregnancy's 宝宝 is the patient's baby-to-be, not the patient (round 42)
            age_assumed = "child"
        elif any("person.older" in f.tags for f in findings):
            age_assumed = "older"
    days, dur_text = _duration(norm, age_spans)
    if days is not None and days > 14:
        fresh = _fresh_injury(norm, findings, age_spans)
        if fresh is not None:
            days, dur_text = fresh
    sev = None
    for m in _NRS.finditer(norm):
        sev = max(sev or 0, int(m.group(1)))
    height = _height(norm)
    ex = Extraction(
        text=text or "",
        normalized=norm,
        findings=findings,
        age=age,
        age_assumed=age_assumed,
        sex=_sex(norm),
        duration_days=days,
        duration_text=dur_text,
        severity=sev,
        height_m=height,
        lang="en" if norm and sum(c.isascii() for c in norm) > 0.7 * len(norm) else "zh",
        lateralities=[m.concept.lat for m in lat_hits if m.concept.lat],
    )
    _synthetic(ex, knowledge, utterance)
    _bare_heat_is_local(ex.findings)
    return ex


def _apply_after_site(findings: list[Finding], knowledge: Knowledge) -> None:
    """发热 right after a site or a local sign means local warmth (膝盖发热), not fever."""
    for i, f in enumerate(findings):
        concept = knowledge.concepts[f.concept]
        if not concept.after_site or i == 0:
            continue
        prev = findings[i - 1]
        # only the ambiguous words 发热, and 烧 (闽 "hot": 骹指头烧烧), directly after the site/sign; 发烧/高烧 are
        # always fever
        if (
            f.text in ("发热", "热", "烧")
            and f.start == prev.end
            and (prev.kind == "site" or prev.tags & {"sym.red", "sym.swelling", "sym.warmth"})
        ):
            alt = knowledge.concepts[concept.after_site]
            findings[i] = replace(f, concept=alt.id, kind=alt.kind, std=alt.std, tags=alt.tags)


# NegEx pseudo-negations (Chapman et al. 2001): a negator that does not deny what follows ("not just the right")
_PSEUDO_NEG = re.compile(r"\s+(?:just|only|necessarily|much better|that bad)\b")
# English pre-negation reaches this many words at most (NegEx's window), so an unpunctuated voice message
# ("not just the right and uh this morning I wet myself") does not deny everything said after it
_EN_NEG_WINDOW = 8
# 好好的 / fine right before 突然, 就, 怎么: "out of the blue", not "the site is fine" (round 45 review)
_OUT_OF_THE_BLUE = re.compile(r"[,，]?\s*(?:突然|忽然|就|一下子|一下|怎么|咋|then|suddenly|and then)")
# characters between "the doctor said" and its "if" ("醫生交代說石膏裡面如果…")
_ADVICE_GAP = 20
_WORD = re.compile(r"[a-z0-9']+")
_HYPHENATED = re.compile(r"(?:-[a-z0-9']+)+")  # what follows a prefix cue written with a hyphen: "non-weight-bearing"


def _without_double_negation(norm: str, cues: list[re.Match[str]]) -> list[re.Match[str]]:
    """不是不麻 / 也不是没感觉 / 并不是不疼: 不是 followed at once by another negator affirms — both cues go. An
    English pseudo-negation ("not just", "not only") is no cue either."""
    drop: set[int] = set()
    for i, (a, b) in enumerate(pairwise(cues)):
        if a.group(0) == "不" and norm[a.end():b.start()] == "是" and i not in drop:
            drop |= {i, i + 1}
    drop |= {i for i, c in enumerate(cues) if c.group(0).isascii() and _PSEUDO_NEG.match(norm, c.end())}
    return [c for i, c in enumerate(cues) if i not in drop]


def _apply_negation(
    norm: str,
    findings: list[Finding],
    neg_pre: list[re.Match[str]],
    clause: list[int],
    cues: dict[str, re.Pattern[str]],
) -> None:
    """Mark findings negated by a preceding cue in the same clause or a following post-negation cue."""
    for cue in neg_pre:
        c_clause = clause[cue.start()]
        short = cue.group(0) in _SHORT_NEG
        last_end = None
        # a hyphenated prefix negates its own word only: "non-tender", but "(non-operated side) swollen" is swollen
        prefix_end = _HYPHENATED.match(norm, cue.end()).end() if norm.startswith("-", cue.end()) else None
        for f in findings:
            if f.kind not in _NEGATABLE or f.start < cue.end() or clause[f.start] != c_clause:
                continue
            if prefix_end is not None and f.start >= prefix_end:
                break
            if cue.group(0).isascii() and len(_WORD.findall(norm, cue.end(), f.start)) > _EN_NEG_WINDOW:
                break
            if short:
                # a bare 不/没 negates the next predicate only (没胃口瘦了 -> only 胃口), not the whole clause
                if last_end is None and f.start - cue.end() > 6:
                    break
                if last_end is not None and f.start > last_end:
                    break
                last_end = f.end
            f.negated = True
    _deny_a_list(norm, findings, neg_pre)
    kn_cues = load_knowledge().cues
    gap_chars = set(kn_cues.get("post_gap_chars", "倒也都还是"))
    post, site_post, gone_post = cues["neg_post"], cues["site_normal_post"], cues["gone_post"]
    gone_concepts = set(kn_cues["gone_post_concepts"])
    for i, f in enumerate(findings):
        if f.kind not in _NEGATABLE or f.negated:
            continue
        j = f.end
        while j < len(norm) and j - f.end < 3 and norm[j] in gap_chars:
            j += 1
        m = (
            post.match(norm, j)
            or (site_post.match(norm, j) if f.kind == "site" else None)
            or (gone_post.match(norm, j) if f.concept in gone_concepts else None)
        )
        if not m:
            continue
        if m.re is gone_post and _GONE_BUT.match(norm, m.end()) and not _HEALED_BUT_SCAR.match(norm, m.end()):
            continue  # "fever went down with Calpol", "烧退了又烧起来": treated or back, not over (a wound "healed but
            # the scar is dark" is healed: round 85, FU)
        if clause[m.start()] != clause[f.start] and _clause_goes_on(norm, clause, m.end()):
            continue  # "瘦了好多 冇么个胃口": a cue that opens the next clause negates what follows it there
        nxt = findings[i + 1] if i + 1 < len(findings) else None
        if nxt is not None and nxt.start < m.end() and not (m.re is site_post and nxt.kind == "context"):
            continue  # the cue is part of the next finding (没有感觉, 没劲), unless it is "as usual" (ctx.unchanged)
        if re.match(r"好转|减轻|缓解|改善|变化|用|怎么|咋|怎样|么样", norm[m.end() : m.end() + 2]):
            continue  # 疼没有好转 = still hurts; 躺在床上冇怎么动 = barely moved (round 75, EB)
        if m.re is site_post and _OUT_OF_THE_BLUE.match(norm, m.end()):
            continue  # 小腿好好的突然肿了: "fine, then suddenly" — the site is the complaint, not said to be fine
        f.negated = True
        if m.re is gone_post and f.concept == "sym.numbness":
            # "Saturday my fingers were puffy and tingly … now … the tingling is gone" (round 83, FM): the tingling told
            # before is the one that is over (the same site, or none named)
            for g in findings[:i]:
                if g.concept == f.concept and g.site in (None, f.site) and not g.negated:
                    g.negated = True
        # 大小便正常 style: the cue also covers findings listed before it in the clause with nothing between
        for g in reversed(findings[:i]):
            if clause[g.start] == clause[f.start] and g.kind == f.kind and f.start - g.end <= 1:
                g.negated = True
            else:
                break


# a clinician's denial heading a list ("Denies fever, night sweats, weight loss, leg weakness, numbness", 否认发热、盗汗)
_LIST_DENIAL = frozenset({"denies", "deny", "denied", "denying", "negative for", "否认"})
# (a word that turns to what the patient does have ends the list: "Denies fever, reports back pain", "… but has …")
_LIST_GAP = re.compile(r"^[\s,，、/;；]*(?:(?:or|and|nor|any|or any|and no|no)\s+)?"
                       r"(?:(?!(?:has|have|had|having|reports?|reported|complains?|complaining|c/o|with|but|admits?|"
                       r"states?|says|notes?|noted|however|although|positive|present|yes|now|today|new onset)\b)"
                       r"[a-z'-]+\s+){0,2}?[\s,，、/]*$")


def _deny_a_list(norm: str, findings: list[Finding], neg_pre: list[re.Match[str]]) -> None:
    """Carry a clinician's "denies"/否认 through the list it heads, across the commas that end a clause (round 70, DE: a
    pharmacist's "Denies fever, night sweats, weight loss, leg weakness, numbness, bladder/bowel change" had only its
    first item denied). The list ends at a full stop or at anything longer than a couple of words between two items."""
    for cue in neg_pre:
        if cue.group(0) not in _LIST_DENIAL:
            continue
        stop = _SENTENCE_END.search(norm, cue.end())
        end = stop.start() if stop else len(norm)
        last = cue.end()
        for f in findings:
            if f.start < cue.end() or f.start >= end:
                continue
            if not _LIST_GAP.match(norm[last:f.start]):
                break
            if f.kind in _NEGATABLE:
                f.negated = True
            last = max(last, f.end)


def _clause_goes_on(norm: str, clause: list[int], pos: int) -> bool:
    """True when the clause at ``pos`` has more words after it ("冇么个胃口"), not just the cue ("发烧 没有")."""
    return pos < len(norm) and clause[pos] == clause[pos - 1] and bool(norm[pos:].split(" ", 1)[0].strip("，。,.;；!！?？"))


def _apply_laterality(norm: str, findings: list[Finding], lat_hits: list[Match], clause: list[int]) -> None:
    """Attach 左/右/两边 to the nearest following site (or preceding one) in the same clause."""
    sites = [f for f in findings if f.kind == "site"]
    for f in sites:
        # 两条腿 / 双手 / 2个膝盖 (两个 was turned into 2个 by the numeral normaliser)
        if (
            f.text.startswith(("两", "双", "both", "2条", "2只", "2个", "俩"))
            or norm[max(0, f.start - 2) : f.start] == "2个"
            or norm[max(0, f.start - 1) : f.start] == "俩"  # 北方 俩脚 / 俩腿 (round 54)
            or f.text == "feet"  # "my feet are burning" is both feet (round 55); not "hands" (a carpal tunnel's)
        ):
            f.laterality = "bilateral"
    for lat in lat_hits:
        value = lat.concept.lat
        target = next(
            (s for s in sites if 0 <= s.start - lat.end <= 4 and clause[s.start] == clause[lat.start]), None
        )
        if target is None:
            target = next(
                (
                    s
                    for s in reversed(sites)
                    if 0 <= lat.start - s.end <= 2 and clause[s.start] == clause[lat.start]
                ),
                None,
            )
        if target is None:
            # 从脚趾到脚踝，两边都麻: an unattached side word refers to the site just mentioned
            target = next((s for s in reversed(sites) if 0 <= lat.start - s.end <= 6), None)
        if target is not None:
            target.laterality = value
    for f in sites:
        if f.laterality in ("left", "right", "one_side") and "site.limbs" in f.tags:
            # 右边手脚 / 一边手脚 = one side of the body (stroke pattern), not both hands and feet
            f.tags = f.tags | {"site.hemibody"}


def _bind_sites(findings: list[Finding], clause: list[int]) -> None:
    """Attach each non-site finding to the body site it is said about (same clause first); a site named only to say
    it is fine (手指都能动) takes none."""
    sites = [f for f in findings if f.kind == "site" and not f.negated and not _named_fine(f, findings, clause)]
    for f in findings:
        if f.kind == "site":
            continue
        same = [s for s in sites if clause[s.start] == clause[f.start]]
        before = [s for s in same if s.end <= f.start]
        after = [s for s in same if s.start >= f.end]
        target = before[-1] if before else after[0] if after else None
        if after and f.text.isascii() and after[0].start - f.end <= 12:
            target = after[0]  # English puts the site after the symptom: "can't feel my bottom"
        if target is None:
            # from an earlier clause: not a site just said to be fine ("腰杆也不痛,脚也不麻,就是坐起有点痛")
            earlier = [s for s in sites if s.end <= f.start and not _said_fine(s, findings, clause)]
            target = earlier[-1] if earlier else None
        if target is not None:
            f.site, f.site_tags, f.laterality = target.concept, target.tags, f.laterality or target.laterality


def _said_fine(site: Finding, findings: list[Finding], clause: list[int]) -> bool:
    """脚也不麻: in its own clause the site has only denied symptoms, the first right after it (round 42)."""
    own = [f for f in findings if f.kind == "symptom" and clause[f.start] == clause[site.start] and f.start >= site.end]
    return bool(own) and own[0].start - site.end <= 3 and all(f.negated for f in own)


def _named_fine(site: Finding, findings: list[Finding], clause: list[int]) -> bool:
    """手指都能动, 脚趾头暖和的, 脚有力道: the limb is named only to say it is fine (rounds 40, 42)."""
    return any(f.concept in ("ctx.distal_ok", "ctx.strength_ok") and -len(site.text) <= f.start - site.end <= 3
               and clause[f.start] == clause[site.start] for f in findings)


_SITE_CONJUNCTIONS = {"和", "跟", "与", "、", "及", "同", "还有", "and", ",", "，"}


def _deny_sites_with_only_denied_symptoms(norm: str, findings: list[Finding], clause: list[int]) -> None:
    """腰不疼: a site whose every nearby symptom is denied is not an affected site; so is a site listed with it
    ("腰和颈都不痛"), and one named only to say it is fine (手指都能动)."""
    for site in findings:
        if site.kind != "site" or site.negated:
            continue
        near = [
            f
            for f in findings
            if f.kind == "symptom"
            and f.site == site.concept
            and 0 <= f.start - site.end <= 3
            and clause[f.start] == clause[site.start]
        ]
        others = [f for f in findings if f.kind == "symptom" and f.site == site.concept and not f.negated]
        if near and all(f.negated for f in near) and not others:
            site.negated = True
        if not others and _named_fine(site, findings, clause):
            site.negated = True
    sites = [f for f in findings if f.kind == "site"]
    for site, nxt in reversed(list(pairwise(sites))):
        if (
            not site.negated
            and nxt.negated
            and norm[site.end : nxt.start].strip() in _SITE_CONJUNCTIONS
            and not any(f.kind == "symptom" and f.site == site.concept and not f.negated for f in findings)
        ):
            site.negated = True


_PAIN_SCORE = re.compile(r"\s*(?:score |level |is |was |at |of |about |around |approx\.? |~|:|=)*\s*\d{1,2}\s*/\s*10\b")
_WOUND_BEFORE = re.compile(r"(?:切口|刀口|伤口|incision|wound|scar)\s*(?:处|部位|周围|site)?\s*(?:有点|有些|略|稍)?$")


def _unbind_pain_scores(norm: str, findings: list[Finding]) -> None:
    """A pain given a score ("pain about 4/10 with the tablets", a ward note's "pain 3/10") rates the whole complaint; it
    is not a sign of the site said before it (round 49: "calves soft and non-tender … pain 3/10" is no calf pain). Nor is
    the pain of an operation wound (诉切口疼痛, "incision pain": round 53) the limb's."""
    for f in findings:
        if f.concept == "sym.pain" and f.site and (
            _PAIN_SCORE.match(norm, f.end) or _WOUND_BEFORE.search(norm, max(0, f.start - 14), f.start)
        ):
            f.site, f.site_tags = None, frozenset()


_PAST_YEAR = re.compile(r"(?:\b(?:in|since|from|during) ((?:19[5-9]|20[0-4])\d)\b|(?<!\d)((?:19[5-9]|20[0-4])\d)年)")
_A_NOT_A = re.compile(r"(.)[不没冇唔]\1")


def _asked(norm: str, f: Finding) -> bool:
    """A sign in an A-not-A question ("医生问我屁股周围麻不麻、解手正不正常") is asked about, not told (round 48): the
    answer, if any, is its own finding ("我都说没得问题", "有点麻")."""
    if f.kind != "symptom":
        return False
    return bool(_A_NOT_A.search(f.text)) or bool(
        f.end < len(norm) and _A_NOT_A.match(norm, f.end - 1) and norm[f.end - 1] not in "有是"
    )


_SELF = ("我", "俺", "阮", "𠊎", "我的", "俺的")
# the writer's own body in English, read on the raw text (the normaliser turns "her back" into "my back")
_OWN_BODY_EN = re.compile(r"\bmy (?:(?:left|right|lower|upper|bad|sore|own|big|little) )?(?:heel|heels|foot|feet|ankle|ankles|knee|knees|hip|"
                          r"hips|back|neck|shoulder|shoulders|arm|arms|hand|hands|wrist|wrists|elbow|elbows|finger|fingers|"
                          r"thumb|toe|toes|leg|legs|thigh|thighs|calf|calves|spine|bottom|ribs?)\b")
_NOT_KIN = frozenset({"老人", "老人家", "老年人", "老太太", "老太", "年纪大了"})
# (走 alone is walking: "我妈走了几步就摔了" — only an illness's 走的/走了, 骨癌走的, counts)
_DIED = re.compile(r"过世|去世|病逝|离世|死于|(?:癌|病|瘤|症)(?:走的|走了|没的)|\bdied\b|passed away|passed on\b|\blost (?:my|him|her) to\b")


# an age said right after a relative ("my father 75 years old", "我爸今年76岁", "mum (82)")
_AGE_AFTER_KIN = re.compile(r"[\s,，]*(?:今年|is |aged |age )?\d{1,3}\s*(?:years?(?: old)?|yrs?\b|yo\b|y/o|岁|周岁)"
                            r"|\s*[(（]\d{1,3}[)）]")


def _mark_family_history(norm: str, findings: list[Finding], clause: list[int], raw: str = "") -> None:
    """我妈以前得过乳腺癌，我自己膝盖疼: clauses about another person are family history, not the patient's.

    The writer is the patient when they say so (我自己, 本人, "myself") or name their own body ("我克膝头痛", "我的腰":
    round 48); then a clause about a relative (我妈以前得过癌) is the relative's. Without either, "我妈以前得过乳腺癌，现在腰
    疼" is written for the mother, and her history stays hers."""
    self_words = ("我自己", "我本人", "本人", "myself")
    selfs = [f for f in findings if "ctx.family" in f.tags and f.text in self_words]
    selfs += [f for f in findings if f.kind == "site" and any(norm[: f.start].endswith(w) for w in _SELF)]
    family = {clause[f.start] for f in findings if "ctx.family" in f.tags and f.text not in self_words}
    if selfs:
        # (not a relative introduced with an age — "My father 75 years old did hip operation", 我爸今年76: the one the
        # message is written for, whose "himself" the normaliser reads as "myself": round 78, EN)
        family |= {clause[f.start] for f in findings if f.tags & {"person.older", "person.child"} and f.text not in _NOT_KIN
                   and not _AGE_AFTER_KIN.match(norm, f.end)}
        family -= {clause[f.start] for f in selfs}
    # a relative who died of it (我妈妈之前是骨癌过世的, "my dad passed away from bone cancer") is not the patient: their
    # illness is family history whoever the writer is (round 62)
    kin = [f for f in findings if f.tags & {"person.older", "person.child"} and f.text not in _NOT_KIN]
    family |= {clause[f.start] for f in kin if _DIED.search(_clause_text(norm, f.start, f.end))}
    # an English relative's illness ("my ma had bone cancer", compose.yaml) when the writer names their own body ("under
    # my heel"): what is inside that phrase is the relative's (round 56), nothing else in its clause
    relatives = [f for f in findings if "ctx.relative_history" in f.tags]
    if relatives and (selfs or _OWN_BODY_EN.search(raw.lower())):
        for rel in relatives:
            for f in findings:
                if rel.start <= f.start and f.end <= rel.end and f is not rel and f.kind in ("context", "condition", "symptom"):
                    f.negated, f.source = True, "family"
    for f in findings:
        if (
            clause[f.start] in family
            and f.kind in ("context", "condition", "symptom")
            and "ctx.family" not in f.tags
        ):
            f.negated, f.source = True, "family"


def _mark_feared(norm: str, findings: list[Finding], clause: list[int]) -> None:
    """"会不会是骨癌", "google says it can be bone cancer": a diagnosis feared or looked up is not one the patient has.

    A feared cue (cues.yaml) before the finding in its clause, with no past cue there ("I had breast cancer, scared it
    is back" keeps the history) and no clinician or test ("the doctor thinks it could be cancer"), marks it negated
    with source "feared"."""
    cues = _cue_regexes()
    feared_concepts = set(load_knowledge().cues["feared_concepts"])
    for f in findings:
        if f.concept not in feared_concepts or f.negated:
            continue
        a = f.start
        while a > 0 and clause[a - 1] == clause[f.start]:
            a -= 1
        before = norm[a : f.start]
        whole = _clause_text(norm, f.start, f.end)
        if (cues["feared"].search(before) and not cues["history_past"].search(whole)
                and not cues["feared_unless"].search(whole)):
            f.negated, f.source = True, "feared"


def _mark_hypothetical(norm: str, findings: list[Finding]) -> None:
    """Signs asked about for later, or named in a warning someone gave, are not had (cues.yaml):

    - "要系发烧、膝头肿起来要点般做？", "What if I get numbness … or bladder problems there, what should I do?":
      between hypothetical_open and hypothetical_close in one sentence;
    - "Doc said if I ever can't pee or go numb down there I should go to ER", "大夫说要是尿不出来…就赶紧来急诊":
      a warning (advice_said, then advice_if within a few characters) up to its instruction (advice_then);
    - "My surgeon said to come straight back if I get numbness between the legs": the instruction first, then its
      'if', to the end of the sentence;
    - "heard in the group chat that back pain + can't pee = emergency": hearsay up to the word for an emergency.
    """
    for lo, hi, heard in _hypothetical_spans(norm):
        # the signs only: the cast or the operation the warning is about is real; in what was heard, the fall or the
        # crash is named as a rule of thumb too ("俺闺女说从高处摔下来得上急诊": round 80, FG)
        kinds = ("symptom", "mechanism") if heard else ("symptom",)
        for f in findings:
            if f.kind in kinds and lo <= f.start < hi and not f.negated:
                f.negated, f.source = True, "hypothetical"


# the answer after a clinician's questions repeated ("… and there's none of that", "我都说没得问题")
_ANSWER = re.compile(r"\band (?:there's|there is|i said|i told|i've|i have|i had|he said|she said)\b|\b(?:i said|i told (?:him|her|them))\b|[,，]\s*(?:i|we) (?:said|told)\b|我说|我都说|我讲|我话|都说没")
# the end of a quoted warning, where the patient's own words resume (a closing quote, a dash, "but", "now", 但是, 现在)
_SPEAKS_AGAIN = re.compile(r"'(?![a-z])|\s[-–—]\s|\bbut\b|\bnow\b|\bwell\b|但是|可是|不过|现在|而家|宜家")
# signs read about, up to where the patient checks themself ("I read about bladder problems so I check: I pee normal":
# round 84, FR) — the words read about are not had; what follows "so I check", a colon or "and I" is read as usual
_READ_ABOUT = re.compile(r"\b(?:read|reading|googled|googling) (?:about|up on)\b")
_READ_ABOUT_END = re.compile(r"\bso i\b|\band i\b|:|\bbut\b|\bnow\b")


def _hypothetical_spans(norm: str) -> list[tuple[int, int, bool]]:
    """Where, sentence by sentence, the text names signs only as a hypothetical or in a warning (and whether the span
    is hearsay: a rule of thumb someone else said)."""
    cues = _cue_regexes()
    out: list[tuple[int, int, bool]] = []
    for lo, hi in _sentences(norm):
        opened = cues["hypothetical_open"].search(norm, lo, hi)
        closed = cues["hypothetical_close"].search(norm, opened.end(), hi) if opened else None
        if opened and closed:
            out.append((opened.end(), closed.start(), False))
        for told in cues["advice_instructs"].finditer(norm, lo, hi):
            closed = cues["advice_then"].search(norm, told.end(), hi)
            if closed:
                out.append((told.end(), closed.start(), False))
        # a clinician's questions repeated ("GP asked about my waterworks and numbness down below and there's none of
        # that"): the signs asked about are not had; the answer, where the patient speaks again, is read as usual
        for asked in cues["asked_about"].finditer(norm, lo, hi):
            back = _ANSWER.search(norm, asked.end(), hi)
            out.append((asked.end(), back.start() if back else hi, False))
        for read in _READ_ABOUT.finditer(norm, lo, hi):
            back = _READ_ABOUT_END.search(norm, read.end(), hi)
            out.append((read.end(), back.start() if back else hi, False))
        for asked in cues["hypothetical_sentence"].finditer(norm, lo, hi):
            out.append((asked.end(), hi, False))
        # the clinic's safety-netting told back ("'irritable hip', come back if fever or he won't walk"): to the sentence's
        # end or to where the patient speaks again ("'come back if your toes go cold' - well my toes are cold now")
        for told in cues["return_if"].finditer(norm, lo, hi):
            back = _SPEAKS_AGAIN.search(norm, told.end(), hi)
            out.append((told.end(), back.start() if back else hi, False))
        for heard in cues["hearsay"].finditer(norm, lo, hi):
            closed = cues["hearsay_then"].search(norm, heard.end(), hi)
            if closed:
                out.append((heard.end(), closed.start(), True))
        for said in cues["advice_said"].finditer(norm, lo, hi):
            if_ = cues["advice_if"].search(norm, said.end(), min(hi, said.end() + _ADVICE_GAP))
            then = cues["advice_then"].search(norm, said.end(), min(hi, said.end() + 2 * _ADVICE_GAP))
            if if_ and (then is None or if_.start() < then.start()):
                # "said if X … go to A&E": from the 'if' to the instruction
                closed = cues["advice_then"].search(norm, if_.end(), hi)
                if closed:
                    out.append((if_.end(), closed.start(), False))
            elif then:
                # "said to come straight back if X": from the 'if' after the instruction to the sentence's end, or to
                # where the patient speaks again ("'come back if your toes go cold' - well my toes are cold now")
                late_if = cues["advice_if"].search(norm, then.end(), min(hi, then.end() + _ADVICE_GAP))
                if late_if:
                    back = _SPEAKS_AGAIN.search(norm, late_if.end(), hi)
                    out.append((late_if.end(), back.start() if back else hi, False))
    return out


_POSSESSIVE_END = re.compile(r"(?:我们|我的|俺们|俺的|我|俺|阮|阿拉|\bmy|\bour)\s*$")
# where the writer's own words cut into someone else's story ("my neighbour found me…", 邻居把我送来): it stops there
_WRITER = re.compile(r"[我俺阮𠊎]|(?<![a-z'])(?:i|me|i'm|i've|mine|myself)(?![a-z])|\bbut\b|但是|可是|不过")
# the writer placed in the scene before the other person is named ("我在楼下摔了一跤", "I was next door and slipped"):
# what follows is the writer's own story, whoever else is named (not "我老细话佢朋友…", my boss says his friend …)
_WRITER_IN_SCENE = re.compile(r"[我俺阮𠊎](?:们)?(?:在|和|跟|同|与|一起|正在|刚才|刚刚)|\b(?:i was|i am|i'm|me and|we were|we was)\b")


def _mark_someone_elses_story(norm: str, findings: list[Finding]) -> None:
    """A neighbour's, a colleague's or a story on TV, told before the writer's own complaint, is not the patient's
    (round 66, CP and CQ: "隔壁阿婆换了膝盖，出院辰光小腿肚肿得来像馒头，讲是血栓。我自家脚倒是呒没肿", "俺邻居老王媳妇儿
    前年腰疼…尿不出来，做的手术。俺这两天也腰疼").

    From the other person (cues.yaml other_person) to the end of the sentence, or to where the writer speaks of
    themselves, the findings are that person's — but only when the writer then turns to their own complaint
    (own_complaint: 我自家, 我也, "as for me", "mine started"): without it the neighbour may be the patient the writer
    is asking for."""
    cues = _cue_regexes()
    for lo, hi in _sentences(norm):
        who = cues["other_person"].search(norm, lo, hi)
        if who is None:
            continue
        me = _WRITER.search(norm, who.end(), hi)
        end = me.start() if me else hi
        # the writer's own complaint follows in a later sentence, or in this one after the story (round 70, DG:
        # "隔壁阿伯腰痛到尿不出來被送急診，我也腰痠好幾天了") — then only when the writer is not in the story ("我和同事
        # 一起被车撞了，同事腿断了，我也腰疼" is the writer's crash too; a 我 right before the other person, 我邻居, only
        # says whose neighbour)
        # (review of round 71: nor when the writer was there — "我在楼下摔了一跤，骨头戳出来了。我也不知道咋办" is the
        # writer's own open fracture, whatever "我也" begins next)
        if _WRITER_IN_SCENE.search(norm, lo, who.start()):
            continue
        later = cues["own_complaint"].search(norm, hi)
        same = (not _WRITER.search(_POSSESSIVE_END.sub("", norm[lo:who.start()]))
                and cues["own_complaint"].search(norm, end, hi))
        if not (later or same):
            continue
        for f in findings:
            if who.end() <= f.start < end and f.kind in ("symptom", "condition", "context", "mechanism") and not f.negated:
                f.negated, f.source = True, "family"


# a time that brings the story back to today ("现在四十多岁", "now", "again")
_NOW = re.compile(r"现在|而家|宜家|这会儿|如今|今年|又|\bnow\b|\bthese days\b|\bnowadays\b|\bagain\b|\btoday\b")


def _mark_childhood_story(norm: str, findings: list[Finding]) -> None:
    """An injury told as a childhood story ("我细伢子时候摔断过手，骨头都戳出来哩，当时在县里开了刀。现在四十多岁":
    round 69, DC) is history: from the childhood cue (cues.yaml childhood) to the end of its sentence or to a word that
    brings the story back to today (现在, 又, "now", "again"), and only when the text does come back to today after it."""
    cues = _cue_regexes()
    for lo, hi in _sentences(norm):
        kid = cues["childhood"].search(norm, lo, hi)
        if kid is None:
            continue
        back = _NOW.search(norm, kid.end())
        if back is None:
            continue
        end = min(back.start(), hi)
        for f in findings:
            if kid.end() <= f.start < end and f.kind in ("symptom", "condition", "mechanism") and not f.negated:
                f.negated, f.source = True, "history"


_BROUGHT_DOWN = ("退", "退咗", "退了", "退晒", "退左", "退哩", "退嘞")


def _fever_brought_down(norm: str, findings: list[Finding]) -> None:
    """退烧了, 已经退烧, 粤 依家退咗烧 (round 67, CS): a fever brought down is a fever that is over, like 烧退了 (gone_post);
    the fever medicine (退烧药, 退烧贴) is a filler word and never reaches here, and a fever back after it (退了又烧起来)
    is not brought down."""
    for f in findings:
        if (not f.negated and "sym.fever" in f.tags and not f.text.startswith("又")
                and any(norm.endswith(w, 0, f.start) for w in _BROUGHT_DOWN)):
            f.negated, f.source = True, "lexicon"


def _bare_heat_is_local(findings: list[Finding]) -> None:
    """A bare 烧 (闽南 烧烧: warm) is the joint's warmth, not a fever, when the fever itself is denied in words (round 66,
    CP: "跤目仔肿起来，红吱吱，烧烧，痛甲袂行路…这摆无发烧，人嘛无畏寒"). The warmth finding at the same words stays.
    Run again once the numbers are read (冒发烧, 体温36.8 deny the fever too: _synthetic)."""
    if not any(f.negated and f.source in ("lexicon", "number") and "sym.fever" in f.tags and f.text not in ("烧", "烧烧")
               for f in findings):
        return
    for f in findings:
        if f.negated or "sym.fever" not in f.tags:
            continue
        # … and so is 发热 told in the joint's signs with a comma between ("大脚趾头又红又肿，发热 … 冒发烧": round 76, EG)
        prev = max((g for g in findings if g.end <= f.start), key=lambda g: g.end, default=None)
        in_signs = (f.text in ("发热", "热") and prev is not None and f.start - prev.end <= 1
                    and (prev.kind == "site" or prev.tags & {"sym.red", "sym.swelling"}))
        if f.text in ("烧", "烧烧") or in_signs:
            f.negated, f.source = True, "local_heat"


def _doubt_denied_later(findings: list[Finding]) -> None:
    """A sign only wondered about ("如果腰突出压到神经 会不会大小便失禁啊") and then plainly denied later in the message
    ("…大小便都正常的") is not had: the patient's own answer wins over the worry (blind DL, docs/triage.md Known gaps).
    A sign told as had stays had whatever follows; a denial covers the same sign, or the organ it names (大小便都正常
    covers a bladder and a bowel sign, 大便正常 only the bowel's)."""
    for f in findings:
        if f.kind != "symptom" or not f.uncertain or f.negated:
            continue
        organ = {"sym.bladder", "sym.bowel"} & f.tags
        for g in findings:
            if (g.start >= f.end and g.negated and g.source == "lexicon"
                    and (g.concept == f.concept
                         or (organ and "sym.bladder_bowel_general" in g.tags and organ <= _organs_named(g.text)))):
                f.negated, f.source = True, "denied_later"
                break


def _organs_named(text: str) -> set[str]:
    """Which of bladder and bowel a general word names (大小便, 屎尿: both; 小便, "peeing": the bladder)."""
    both = any(w in text for w in ("大小便", "屎尿", "屎和尿", "尿和屎", "屙屎屙尿", "二便"))
    bladder = both or any(w in text for w in ("小便", "尿", "解手", "bladder", "pee"))
    bowel = both or any(w in text for w in ("大便", "屎", "bowel"))
    return ({"sym.bladder"} if bladder else set()) | ({"sym.bowel"} if bowel else set())


# how far back a word that brings a fever back ("it's back") may look for the fever it means
_FEVER_BACK_REACH = 80


def _fever_came_back(findings: list[Finding]) -> None:
    """A fever said to be over and then back ("kid had a fever, it went away Sunday but it's back tonight", 烧退了，今晚又起来了)
    is a fever now. The word that brings it back (ctx.fever_back, lexicon.yaml) means the fever when the fever is the
    last thing told before it: no other symptom or body part between them, and close by."""
    # the "back" of "it's back" is no body part (dropped, not negated: a negated finding hides its clause from the nets)
    backs = [f for f in findings if f.concept == "ctx.fever_back" and not f.negated]
    findings[:] = [g for g in findings if not (g.kind == "site" and any(b.start <= g.start and g.end <= b.end for b in backs))]
    for i, f in enumerate(findings):
        if f.concept != "ctx.fever_back" or f.negated:
            continue
        for g in reversed(findings[:i]):
            if "sym.fever" in g.tags:
                if g.negated and f.start - g.end <= _FEVER_BACK_REACH:
                    g.negated, g.source = False, "returned"
                break
            if g.kind in ("symptom", "site", "condition"):
                break


def _mark_dated_cancer(findings: list[Finding], clause: list[int]) -> None:
    """"I had breast cancer operated 4 years ago": a past time in the cancer's clause dates the cancer, not the complaint.

    Otherwise "years ago" (ctx.past_event) reads as the whole story being old, and the cord-compression rule, which
    excludes past events, would not see today's new leg weakness (AV: NICE NG234, same-day assessment).

    The same for an operation years ago ("三年前颈椎开过刀 … 最近两个礼拜手越来越不灵活 … 昨天跌倒两次": round 78, EQ): the
    past time dates the operation, which is then no recent one either (the clot and wound rules read ctx.post_op)."""
    cancer_clauses = {clause[f.start] for f in findings if "ctx.cancer" in f.tags and not f.negated}
    op_clauses = {clause[f.start] for f in findings if f.concept == "ctx.post_op" and not f.negated}
    for f in findings:
        if f.concept == "ctx.past_event" and not f.negated and clause[f.start] in cancer_clauses | op_clauses:
            f.negated, f.source = True, "dates"
            for op in findings:
                if op.concept == "ctx.post_op" and clause[op.start] == clause[f.start] and not op.negated:
                    op.negated, op.source = True, "dates"


_HEALED_INJURY = frozenset({"cond.fracture", "cond.dislocation"})


def _mark_resolved_history(norm: str, findings: list[Finding], clause: list[int]) -> None:
    """2020年出现过大小便失禁……恢复得很好: symptoms of an episode the patient says is over are history (cues.yaml).

    The episode may be told in one sentence and closed at the start of the next ("Broke my shin in a crash in
    2019, bone was out. All healed now but the plate rubs"): a sentence that opens with a resolved cue closes
    the sentences before it back to the one set in the past, up to three (round 19; round 41)."""
    cues = _cue_regexes()

    def close(start: int, cut: int, sentence: str, story_from: int) -> None:
        present = {clause[start + m.start()] for m in cues["history_present"].finditer(sentence)}
        for f in findings:
            # the injury story too (前年出车祸腿骨折过 早就好了): its mechanism and the fracture are history when
            # told after the past cue (not 腿折了 … 以前断过 都长好了: today's fracture, old ones healed), and a
            # replaced joint or a diagnosis never is (两年前膝关节置换 恢复很好 这两天小腿肿了)
            injury = f.kind == "mechanism" or (f.kind == "condition" and f.tags & _HEALED_INJURY)
            if (start <= f.start < cut and (f.kind == "symptom" or (injury and f.start >= story_from))
                    and not f.negated and clause[f.start] not in present):
                f.negated, f.source = True, "history"

    start, earlier = 0, []
    for end_m in [*_SENTENCE_END.finditer(norm), None]:
        end = end_m.start() if end_m else len(norm)
        sentence = norm[start:end]
        resolved = cues["history_resolved"].search(sentence)
        # (a year dates the story too: "I broke my wrist in 2009 motorbike accident, already healed" — round 68, CV)
        past = (cues["history_past"].search(sentence, 0, resolved.start())
                or _PAST_TIME.search(sentence, 0, resolved.start())) if resolved else None
        if resolved and past:
            story_from = start + past.start()
            # "Broke my wrist about 10 yrs ago", "a bad car crash in 2015": a time said after the story it dates
            if _PAST_TIME.fullmatch(past.group(0)):
                story_from = next(i for i in range(start, story_from + 1) if clause[i] == clause[story_from])
            close(start, start + resolved.start(), sentence, story_from)
        elif resolved and resolved.start() <= 12:
            # the story may take up to three sentences ("In 2015 … the bone came out. They put a rod. It healed well"):
            # close back to the one that dates it
            for k in range(len(earlier) - 1, max(-1, len(earlier) - 4), -1):
                if cues["history_past"].search(earlier[k][1]):
                    for p_start, p_sentence in earlier[k:]:
                        close(p_start, p_start + len(p_sentence), p_sentence, p_start)
                    break
        earlier.append((start, sentence))
        start = end_m.end() if end_m else len(norm)


def _implied(findings: list[Finding], knowledge: Knowledge) -> list[Finding]:
    """Findings implied by a matched concept (落枕 implies the neck)."""
    out = []
    for f in findings:
        for cid in knowledge.concepts[f.concept].implies:
            c = knowledge.concepts[cid]
            if any(g.concept == cid and not g.negated for g in findings):
                continue
            out.append(
                Finding(
                    c.id,
                    c.kind,
                    c.std,
                    f.text,
                    f.start,
                    f.end,
                    c.tags,
                    negated=f.negated,
                    uncertain=f.uncertain,
                    laterality=f.laterality,
                    dialect=f.dialect,
                    utterance=f.utterance,
                    source="implied",
                )
            )
    return out


def _height(norm: str) -> float | None:
    """Fall height in metres from 从3楼摔下 / 摔下来3米 / fell from the second floor."""
    m = _HEIGHT_FLOOR.search(norm)
    if m and m.group(1):  # from the 3rd floor: two storeys up
        return max(0.0, (int(m.group(1)) - 1) * 3.0)
    if m:  # "两层楼咁高": as high as two storeys
        return int(m.group(2)) * 3.0
    for rx in _HEIGHT_M:
        m = rx.search(norm)
        if m:
            return float(_EN_NUM.get(m.group(1), None) or m.group(1))
    m = _HEIGHT_EN_FLOOR.search(norm)
    if m:
        return (_EN_FLOORS[m.group(1)] - 1) * 3.0
    m = _HEIGHT_CM.search(norm)
    if m:
        return float(m.group(1)) / 100
    return None


def _sex(norm: str) -> str | None:
    """Patient sex when stated (男/女, man/woman, my son ...)."""
    male, female = _MALE.search(norm), _FEMALE.search(norm)
    if male and not female:
        return "male"
    if female and not male:
        return "female"
    if male and female:
        return "male" if male.start() < female.start() else "female"
    return None


# an angle, not a temperature: "SLR +ve 40°", "flexion 40°" (round 60)
# (round 69, DC: a Chinese note's 直腿抬高试验右侧40°阳性 — the straight-leg-raise angle, not a fever)
_ANGLE_BEFORE = re.compile(r"(?:slr|raise|angle|flexion|extension|abduction|adduction|rotation|bend\w*|bent|cobb|kyphosis|"
                           r"lordosis|degrees of|角|抬高|试验|屈曲|伸直|外展|内收|旋转|屈膝|屈髋|活动度|前屈|后伸)[^,.;，。；]{0,12}$")


def _temperature(n: str) -> tuple[float, re.Match[str]] | None:
    """The first measured body temperature in ℃, and where it was said (with a unit, without one, or in ℉)."""
    if (m := _TEMP.search(n)) and _ANGLE_BEFORE.search(n, 0, m.start()):
        m = _TEMP.search(n, m.end())
    if m:
        return float(m.group(1)) + int(m.group(2) or m.group(3) or 0) / 10, m
    if m := _TEMP_BARE.search(n):
        return float(m.group(1)) + int(m.group(2)) / 10, m
    if (m := _TEMP_F.search(n)) or (m := _TEMP_F_WORD.search(n)):
        return (float(m.group(1)) + int(m.group(2) or 0) / 10 - 32) * 5 / 9, m
    return None


_TEMPERATURE_WORDS = frozenset({"temperature", "temp", "a temperature", "体温", "量体温", "测体温", "体温是", "温度"})


def _synthetic(ex: Extraction, knowledge: Knowledge, utterance: int) -> None:
    """Add findings computed from numbers: fall height, measured temperature, NRS >= 7."""
    c = knowledge.concepts
    n = ex.normalized
    if ex.height_m is not None and ex.height_m < 2.0:
        # a fall measured at under two metres ("I miss the last step, it is maybe 50 cm", 从一米来高嘞架子上跳下来) is no
        # fall from height, whatever a report or the place called it ("my supervisor wrote 'fall from height'": round 76,
        # EG; round 77, EM); under a metre it is no dangerous fall either (NICE NG232: > 1 m)
        low = {"mech.fall_height", "mech.fall_1m"} if ex.height_m < 1.0 else {"mech.fall_height"}
        for f in ex.findings:
            if f.tags & low and f.source in ("lexicon", "pattern"):
                f.negated, f.source = True, "measured"
    if ex.height_m is not None and 1.0 <= ex.height_m < 2.0:
        # NICE NG232: a fall from more than 1 m is a dangerous mechanism (urgent, not high-energy)
        f1 = c["mech.fall_1m"]
        ex.findings.append(
            Finding(
                f1.id,
                f1.kind,
                f1.std,
                f"{ex.height_m:g}m",
                0,
                0,
                f1.tags,
                utterance=utterance,
                source="number",
            )
        )
    if ex.height_m is not None and ex.height_m >= 2.0:
        # Canadian C-spine rule / ACS field triage: a fall from >= 2 m (2nd floor) is a dangerous mechanism
        fh = c["mech.fall_height"]
        ex.findings.append(
            Finding(
                fh.id,
                fh.kind,
                fh.std,
                f"{ex.height_m:g}m",
                0,
                0,
                fh.tags,
                utterance=utterance,
                source="number",
            )
        )
    reading = _temperature(n)
    if reading:
        temp, m = reading
        fv = c["sym.fever"]
        # >= 37.3 ℃ is fever in Chinese practice (口腔/腋温 upper limit 37.2-37.3)
        ex.findings.append(
            Finding(
                fv.id,
                fv.kind,
                fv.std,
                m.group(0),
                m.start(),
                m.end(),
                fv.tags,
                negated=temp < 37.3,
                utterance=utterance,
                source="number",
            )
        )
        if temp < 37.3:
            # the word that introduced a normal reading is no fever either ("temperature this morning 36.7", "体温36.5":
            # round 68, CV) — the word alone ("she has a temperature") still is
            for f in ex.findings:
                if (f.source == "lexicon" and "sym.fever" in f.tags and not f.negated and f.start <= m.start()
                        and m.start() - f.end <= 20 and f.text in _TEMPERATURE_WORDS):
                    f.negated = True
    for m in _AFEBRILE.finditer(n):
        fv = c["sym.fever"]
        for f in ex.findings:  # the lexicon's 发烧 inside 冒发烧 is the same fever, denied
            if "sym.fever" in f.tags and m.start() <= f.start and f.end <= m.end():
                f.negated = True
        ex.findings.append(
            Finding(fv.id, fv.kind, fv.std, m.group(0), m.start(), m.end(), fv.tags, negated=True,
                    utterance=utterance, source="number")
        )
    if ex.severity is not None and ex.severity >= 7:
        sv = c["sev.severe"]
        ex.findings.append(
            Finding(
                sv.id,
                sv.kind,
                sv.std,
                f"{ex.severity}/10",
                0,
                0,
                sv.tags,
                utterance=utterance,
                source="number",
            )
        )
