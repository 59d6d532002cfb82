"""Casual, non-native English: red flags said in everyday words reach their red flag; routine complaints do not."""

import pytest

from osteon.triage.engine import assess
from osteon.triage.extract import extract
from osteon.triage.knowledge import RED_FLAG_CODES

# Several lay phrasings per red flag (NICE NG59 / CKS, GIRFT-BASS cauda equina card 2023, BOAST 2016,
# Stroke Association BE FAST, NHS.uk condition pages): each must raise exactly this red-flag code.
CASES = {
    "cauda_equina": [
        "My back is killing me and I can't feel when I pee",
        "back pain and now I can't feel myself wee",
        "sciatica down my leg and I peed myself this morning",
        "bad back, I didn't know I'd wet myself until I saw the sheets",
        "lower back pain and I can't tell when I need to go",
        "my back hurts and my bum is numb like at the dentist",
        "back pain with pins and needles down below",
        "my bum went numb and my back is sore",
        "back pain and numb down there",
        "my private parts feel numb and I have sciatica",
        "numb around my back passage, back pain for a week",
        "numbness in my inner thighs and my lower back hurts",
        "can't feel the toilet paper when I wipe, back pain",
        "my backside feels numb and my leg is weak",
        "back pain and I haven't peed all day",
        "back pain and I pooed myself",
        "sciatica and I keep leaking wee",
        "lower back pain and my bits feel numb",
    ],
    "compartment": [
        "broke my shin, the cast feels super tight and the pain is getting worse",
        "my leg is tight as a drum after the fracture",
        "fractured my leg, the morphine doesn't touch the pain",
        "leg in a cast and painkillers don't touch it",
        "broken arm, pain is worse than the morphine can touch",
        "fractured tibia and stretching my toes makes me scream",
        "crushed my leg at work and it's swollen hard like a rock",
    ],
    "neurovascular": [
        "fell and broke my wrist, my hand is cold and white",
        "in a cast and my foot is white",
        "in a cast and I can't feel my toes",
        "after the fall my foot went cold and pale and I can't find a pulse",
        "my fingers have gone white and cold since they put the cast on",
    ],
    "open_fracture": [
        "fell off my bike and the bone is poking out of my leg",
        "I can see bone in the cut on my shin",
        "broken arm and the bone came through the skin",
        "my leg is broken and there's a bone sticking through",
    ],
    "septic_joint": [
        "hot swollen knee and I'm burning up",
        "my knee is hot and swollen and I've got the shivers",
        "swollen knee and I'm shivering with night sweats",
        "my toddler won't walk and is burning up",
    ],
    "spinal_infection": [
        "back pain and burning up with a fever, I'm diabetic",
        "back pain with night sweats and shivering",
    ],
    "high_energy_trauma": [
        "came off my motorbike, neck hurts",
        "came off my bike at speed and my back hurts",
        "fell off a balcony",
        "got hit by a car, my hip hurts",
        "I was knocked off my bike by a car and my neck hurts",
        "motorbike crash, leg is broken",
        "car flipped over, my back hurts",
    ],
    "stroke": [
        "my face dropped on one side and I'm talking funny",
        "suddenly my arm went weak and my speech is slurred",
        "my dad's face has dropped and he can't lift his arm",
        "my mum is talking funny and her mouth is droopy",
        "his words are coming out jumbled",
        "my smile is lopsided",
    ],
    "acute_coronary": [
        "my chest feels heavy and I'm sweating",
        "pain down my left arm and my chest feels tight",
        "feels like an elephant on my chest",
        "tight chest and I'm out of breath",
    ],
    "dvt": [
        "my calf is swollen and tight after my op",
        "calf swollen and sore after a long flight",
        "my leg is swollen and my calf hurts, I've just come off a long-haul flight",
        "my calf is swollen and painful after my operation",
    ],
    "child_safeguarding": [
        "my 2 year old has bruises on his ears and I don't know how",
        "my baby has a broken arm and we don't know how it happened",
        "my toddler has bruises on his tummy and nobody saw anything happen",
    ],
    "myelopathy": [
        "my hands are clumsy and I keep dropping cups",
        "neck pain, clumsy hands and I walk like on cotton",
        "feels like walking on a sponge and my fingers are numb",
        "my handwriting has got worse and I keep dropping my cup, neck stiff",
        "I keep fumbling buttons and my legs feel wobbly",
    ],
    "malignancy": [
        "back pain that wakes me at night and I'm losing weight without trying",
        "the pain wakes me up at night and I've lost weight without trying",
        "my thigh bone aches at night and I've dropped two stone without dieting",
    ],
}

# red flags whose action is urgent review, not the emergency department
URGENT_FLAGS = ("myelopathy", "malignancy")

# Everyday complaints that share words with the forms above ("tight", "bum", "groin", "shivering", "down below").
ROUTINE = [
    "tight hamstrings after running",
    "my bum is sore after cycling",
    "knee hurts on stairs",
    "my butt hurts after sitting all day",
    "my calves are tight after running a marathon",
    "tight shoulders from working at a desk",
    "my back feels tight in the morning",
    "pulled my groin at the gym",
    "inner thigh strain from football",
    "I have to get up to pee at night and my knee aches",
    "fell off my bike, grazed my knee",
    "my lower back is stiff after gardening",
    "my fingers go white in the cold",
    "I get pins and needles in my hand at night",
    "the painkillers help a bit with my knee",
    "sore backside after horse riding",
    "I slept on my arm and it went dead, now my shoulder aches",
    "pain behind my knee when I run",
    "tingling down below my knee when I sit long",
    "it sends shivers down my spine when I bend, lower back ache",
    "my knee pain is getting worse when I run",
    "I had an operation on my knee 10 years ago and now it aches",
    "my face fell when the physio said no running",
    "I can pee fine, no numbness, just back pain",
    "no problems peeing and no numbness down below, lower back pain after lifting",
    "I haven't wet myself and can feel down there fine, just sciatica",
    "my wrist is sore after I came off my bike",
    "my shoulder hurts when I sleep on it at night",
]


@pytest.mark.parametrize(("flag", "text"), [(flag, text) for flag, texts in CASES.items() for text in texts])
def test_casual_english_red_flag_is_recognised(flag: str, text: str) -> None:
    """A red flag said in lay English raises its own red-flag code, at the flag's urgency or above."""
    assert flag in RED_FLAG_CODES
    result = assess(text)
    assert flag in result.red_flags, (text, result.red_flags)
    assert result.urgency == "emergency" or (flag in URGENT_FLAGS and result.urgency == "urgent")


@pytest.mark.parametrize("text", ROUTINE)
def test_everyday_english_complaint_raises_no_red_flag(text: str) -> None:
    """Shared words ('tight', 'bum', 'shivers', 'down below') alone never make a red flag or an emergency rule fire.

    Checked on the deterministic rules: the statistical safety net (safety_net.py) is judged by its own tests.
    """
    result = assess(text)
    assert result.red_flags == [], (text, result.red_flags)
    assert not [h.code for h in result.flag_details if h.urgency == "emergency"], text


@pytest.mark.parametrize(
    "text", ["tight hamstrings after running", "my bum is sore after cycling", "knee hurts on stairs"]
)
def test_common_english_complaint_stays_routine(text: str) -> None:
    """The plainest sports and wear complaints stay routine end to end."""
    assert assess(text).urgency == "routine"


@pytest.mark.parametrize(
    ("text", "site"),
    [
        ("pins and needles down below", "site.saddle"),
        ("pins and needles down below my knee", "site.knee"),
        ("numbness in my inner thighs", "site.saddle"),
    ],
)
def test_down_below_means_the_saddle_only_when_no_body_part_follows(text: str, site: str) -> None:
    """'down below' is the saddle; 'down below my knee' is the knee (a filler form eats 'down below my')."""
    numb = [f for f in extract(text).findings if "sym.numbness" in f.tags]
    assert numb and numb[0].site == site
