"""Load, validate and cache the triage data files (lexicon, cues, knowledge, red flags, interview)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml


class _LOADER(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML loader that refuses a key given twice in one mapping: YAML would silently keep the last one (a
    second ``粤:`` list of a concept once dropped the first list's forms)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

DATA_DIR = Path(str(resources.files("osteon.triage") / "data"))

DEPARTMENTS = (
    "spine",
    "joint",
    "sports",
    "trauma",
    "hand",
    "foot_ankle",
    "pediatric",
    "bone_tumor",
    "rheumatology",
    "neurology",
    "emergency",
    "other",
)
URGENCIES = ("routine", "urgent", "emergency")  # ordered: index = rank
RED_FLAG_CODES = (
    "cauda_equina",
    "open_fracture",
    "neurovascular",
    "compartment",
    "septic_joint",
    "spinal_infection",
    "high_energy_trauma",
    "myelopathy",
    "malignancy",
    "stroke",
    "acute_coronary",
    "dvt",
    "child_safeguarding",
)
KINDS = (
    "site",
    "symptom",
    "modifier",
    "mechanism",
    "condition",
    "context",
    "person",
    "nonortho",
    "lat",
    "filler",
)
DIALECTS = ("普通话", "北方", "东北", "川渝", "粤", "吴", "西北", "湘", "闽", "客家", "赣", "英语")
DERIVED_TAGS = (
    "age.infant",
    "age.infant_3m",
    "age.infant_4m",
    "age.under4",
    "age.non_ambulant",
    "age.adolescent",
    "age.child",
    "age.young",
    "age.adult",
    "age.older",
    "age.elderly",
    "dur.acute",
    "dur.subacute",
    "dur.chronic",
    "dur.over_3d",
    "injury.acute",
    "bilateral",
    "ortho",
    "polyarticular",
    "bruise.shins",
    "bruise.sprain",
    "fever.over_cool_joint",
    "fever.over_quiet_joint",
    "septic.excluded",
    "chest.asthma",
    "saddle.riding",
    "flu.quiet_joint",
    "fever.over_injury",
    "pale.cast_off",
    "lump.no_injury",
    "denied.sphincter",
    "denied.injury",
    "denied.fever",
    "denied.saddle",
    "denied.numbness",
    "denied.weakness",
    "chest.wall",
    "chest.settled",
    "limb.screened",
    "stroke.screened",
    "stroke.excluded",
    "malignancy.screened",
    "fracture.healed",
    "chest.heartburn",
    "injury.digit_only",
    "neuropathy.feet",
    "age.told",
    "fever.over",
    "chest.strain",
    "denied.calf",
    "cardiac.screened",
    "sex.male",
    "sex.female",
)


class TriageDataError(ValueError):
    """A triage data file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Concept:
    """One lexicon concept: a standard term with its tags and surface forms per dialect."""

    id: str
    kind: str
    std: str
    en: str
    tags: frozenset[str]
    forms: tuple[tuple[str, str], ...]  # (surface form, dialect)
    implies: tuple[str, ...] = ()
    lat: str | None = None
    clinic: dict[str, str] | None = None
    after_site: str | None = None
    hemi_if_lateral: bool = False


@dataclass(frozen=True)
class Clause:
    """A rule clause: every `all` item must match (an item is a set of alternatives); no `none` tag may."""

    all: tuple[tuple[str, ...], ...]
    none: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """A red-flag / urgency / department condition rule."""

    code: str
    any: tuple[Clause, ...]
    urgency: str | None = None
    department: str | None = None
    zh: str = ""
    en: str = ""
    weights: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Knowledge:
    """All triage data, validated and ready for the engine."""

    concepts: dict[str, Concept]
    cues: dict[str, Any]
    departments: dict[str, dict[str, str]]
    orthopaedic: frozenset[str]
    min_score: float
    weights: dict[str, dict[str, float]]
    conditions: tuple[Rule, ...]
    red_flags: tuple[Rule, ...]
    urgency_rules: tuple[Rule, ...]
    interview: dict[str, Any]
    typos: dict[str, str]
    patterns: tuple[tuple[str, re.Pattern[str]], ...] = ()
    # compose.yaml: (concept, regex, veto regex or None); a veto word in the clause drops the match
    compositions: tuple[tuple[str, re.Pattern[str], re.Pattern[str] | None], ...] = ()
    # red_flags.yaml safety_net_vetoes: stories the statistical safety net does not judge (the rules still do)
    net_vetoes: tuple[Rule, ...] = ()

    @property
    def known_tags(self) -> frozenset[str]:
        """Every tag a rule may refer to."""
        tags: set[str] = set(DERIVED_TAGS)
        for c in self.concepts.values():
            tags.add(c.id)
            tags |= c.tags
        return frozenset(tags)


def _load_yaml(name: str) -> dict[str, Any]:
    """Read one YAML data file, raising TriageDataError naming the file on a parse error."""
    path = DATA_DIR / name
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise TriageDataError(f"{name}: cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise TriageDataError(f"{name}: top level must be a mapping")
    return data


def _str_list(value: Any, where: str) -> list[str]:
    """Validate that value is a list of non-empty strings."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise TriageDataError(f"{where}: expected a list of non-empty strings, got {value!r}")
    return [v.strip() for v in value]


def _parse_concepts(data: dict[str, Any]) -> dict[str, Concept]:
    """Validate lexicon.yaml concepts; forms must be unique across concepts."""
    raw = data.get("concepts")
    if not isinstance(raw, dict) or not raw:
        raise TriageDataError("lexicon.yaml: 'concepts' mapping is missing")
    concepts: dict[str, Concept] = {}
    seen: dict[str, str] = {}
    for cid, body in raw.items():
        where = f"lexicon.yaml: concept {cid!r}"
        if not isinstance(body, dict):
            raise TriageDataError(f"{where}: must be a mapping")
        kind = body.get("kind")
        if kind not in KINDS:
            raise TriageDataError(f"{where}: kind {kind!r} not in {KINDS}")
        if not isinstance(body.get("std"), str):
            raise TriageDataError(f"{where}: 'std' (standard term) is required")
        forms_raw = body.get("forms")
        if not isinstance(forms_raw, dict) or not forms_raw:
            raise TriageDataError(f"{where}: 'forms' must map dialect -> list of forms")
        forms: list[tuple[str, str]] = []
        for dialect, items in forms_raw.items():
            if dialect not in DIALECTS:
                raise TriageDataError(f"{where}: unknown dialect tag {dialect!r} (allowed {DIALECTS})")
            for form in _str_list(items, f"{where} forms[{dialect}]"):
                key = form.lower()
                if key in seen and seen[key] != cid:
                    raise TriageDataError(f"{where}: form {form!r} already belongs to {seen[key]!r}")
                seen[key] = cid
                forms.append((form, dialect))
        tags = frozenset(_str_list(body.get("tags", []), f"{where} tags")) | {cid}
        concepts[cid] = Concept(
            id=cid,
            kind=kind,
            std=body["std"],
            en=str(body.get("en", body["std"])),
            tags=tags,
            forms=tuple(forms),
            implies=tuple(_str_list(body.get("implies", []), f"{where} implies")),
            lat=body.get("lat"),
            clinic=body.get("clinic"),
            after_site=body.get("after_site"),
            hemi_if_lateral=bool(body.get("hemi_if_lateral", False)),
        )
    for c in concepts.values():
        for ref in (*c.implies, *([c.after_site] if c.after_site else [])):
            if ref not in concepts:
                raise TriageDataError(f"lexicon.yaml: concept {c.id!r} refers to unknown concept {ref!r}")
    return concepts


def _parse_clause(raw: Any, where: str, known: frozenset[str]) -> Clause:
    """Validate one {all, none} clause against the known tag vocabulary."""
    if not isinstance(raw, dict) or "all" not in raw:
        raise TriageDataError(f"{where}: clause must be a mapping with 'all'")
    items: list[tuple[str, ...]] = []
    for item in raw["all"]:
        alts = tuple(item) if isinstance(item, list) else (item,)
        for tag in alts:
            _check_tag(tag, where, known)
        items.append(alts)
    none = tuple(raw.get("none", []) or [])
    for tag in none:
        _check_tag(tag, where, known)
    return Clause(all=tuple(items), none=none)


def _check_tag(tag: Any, where: str, known: frozenset[str]) -> None:
    """Raise if a rule refers to a tag no concept or derivation produces (catches typos in data)."""
    if not isinstance(tag, str):
        raise TriageDataError(f"{where}: tag {tag!r} must be a string")
    for part in tag.split("@"):
        if part not in known:
            raise TriageDataError(f"{where}: unknown tag {part!r}")


def _parse_rules(
    items: Any, fname: str, section: str, known: frozenset[str], *, red: bool
) -> tuple[Rule, ...]:
    """Validate a list of rules (red flags, urgency rules or department conditions)."""
    if not isinstance(items, list):
        raise TriageDataError(f"{fname}: '{section}' must be a list")
    rules: list[Rule] = []
    for i, raw in enumerate(items):
        code = raw.get("code") or raw.get("id") if isinstance(raw, dict) else None
        where = f"{fname}: {section}[{i}] ({code})"
        if not code:
            raise TriageDataError(f"{where}: 'code'/'id' is required")
        if any(r.code == code for r in rules):
            raise TriageDataError(f"{where}: code {code!r} is defined twice in '{section}' (add a clause to the first)")
        if red and code not in RED_FLAG_CODES:
            raise TriageDataError(f"{where}: code {code!r} is not a DOMAIN.md red-flag code")
        urgency = raw.get("urgency")
        if urgency is not None and urgency not in URGENCIES:
            raise TriageDataError(f"{where}: urgency {urgency!r} not in {URGENCIES}")
        dept = raw.get("department")
        if dept is not None and dept not in DEPARTMENTS:
            raise TriageDataError(f"{where}: department {dept!r} not in {DEPARTMENTS}")
        weights = raw.get("weights", {}) or {}
        for d in weights:
            if d not in DEPARTMENTS:
                raise TriageDataError(f"{where}: weight for unknown department {d!r}")
        if "any" in raw:
            clauses = tuple(_parse_clause(c, where, known) for c in raw["any"])
        else:
            clauses = (_parse_clause(raw, where, known),)
        rules.append(
            Rule(
                code=code,
                any=clauses,
                urgency=urgency,
                department=dept,
                zh=str(raw.get("zh", "")),
                en=str(raw.get("en", "")),
                weights={k: float(v) for k, v in weights.items()},
            )
        )
    return tuple(rules)


def load_typos() -> dict[str, str]:
    """Load typos.yaml (used by the normaliser, which must not depend on the full knowledge)."""
    data = _load_yaml("typos.yaml")
    table = data.get("replacements", {})
    for k, v in table.items():
        if not isinstance(k, str) or not isinstance(v, str) or len(k) < 2:
            raise TriageDataError(f"typos.yaml: entry {k!r} must map a >= 2 character string to a string")
    return dict(table)


_CLAUSE_GAP = "[^,.;!?。，；！？\\n]"
_GAP_NO_NEG = "[^,.;!?。，；！？\\n不没无冇未唔伐莫勿]"
# English gaps: the same clause, and for {eNn} no English negator word inside ("pee is not weird")
_EN_GAP_NO_NEG = (r"(?:(?!\b(?:no|not|never|nothing|without|nor|none)\b|n't\b)"
                  "[^,.;!?。，；！？\\n])")
_PLACEHOLDER = re.compile(r"\{([A-Z_]+|[ge]\d+n?)\}")


def _class_regex(items: list[str]) -> str:
    """One alternation for a word class: literal words escaped (longest first), 're:' entries kept as regex."""
    lits = sorted({i for i in items if not i.startswith("re:")}, key=len, reverse=True)
    res = [i[3:] for i in items if i.startswith("re:")]
    return "(?:" + "|".join([re.escape(w) for w in lits] + [f"(?:{r})" for r in res]) + ")"


def _load_compositions(
    concepts: dict[str, Concept],
) -> tuple[tuple[str, re.Pattern[str], re.Pattern[str] | None], ...]:
    """Expand compose.yaml templates ({CLASS}, {gN}, {gNn}) into compiled regexes, validating everything."""
    data = _load_yaml("compose.yaml")
    raw_classes = data.get("classes") or {}
    if not isinstance(raw_classes, dict):
        raise TriageDataError("compose.yaml: 'classes' must be a mapping")
    classes: dict[str, str] = {}
    for name, items in raw_classes.items():
        where = f"compose.yaml: classes[{name}]"
        if not re.fullmatch(r"[A-Z_]+", str(name)):
            raise TriageDataError(f"{where}: class names are UPPER_CASE")
        classes[name] = _class_regex(_str_list(items, where))
        try:
            re.compile(classes[name])
        except re.error as exc:
            raise TriageDataError(f"{where}: bad regex: {exc}") from exc
    out = []
    for i, item in enumerate(data.get("compositions") or []):
        where = f"compose.yaml: compositions[{i}]"
        if not isinstance(item, dict) or item.get("concept") not in concepts:
            raise TriageDataError(
                f"{where}: unknown concept {item.get('concept') if isinstance(item, dict) else item!r}"
            )
        template = item.get("template")
        if not isinstance(template, str) or not template:
            raise TriageDataError(f"{where}: 'template' is required")

        def expand(m: re.Match[str], where: str = where) -> str:
            key = m.group(1)
            if key[0] in "ge":
                n = key[1:].rstrip("n")
                no_neg = _GAP_NO_NEG if key[0] == "g" else _EN_GAP_NO_NEG
                return f"{no_neg if key.endswith('n') else _CLAUSE_GAP}{{0,{n}}}?"
            if key not in classes:
                raise TriageDataError(f"{where}: unknown class {key!r}")
            return classes[key]

        veto_names = _str_list(item.get("veto", []) or ["_"], f"{where} veto") if item.get("veto") else []
        for v in veto_names:
            if v not in classes:
                raise TriageDataError(f"{where}: unknown veto class {v!r}")
        try:
            rx = re.compile(_PLACEHOLDER.sub(expand, template))
            veto = re.compile("|".join(classes[v] for v in veto_names)) if veto_names else None
        except re.error as exc:
            raise TriageDataError(f"{where}: bad regex: {exc}") from exc
        out.append((item["concept"], rx, veto))
    return tuple(out)


@lru_cache(maxsize=1)
def load_knowledge() -> Knowledge:
    """Load and validate every triage data file once per process (cached)."""
    lex = _load_yaml("lexicon.yaml")
    concepts = _parse_concepts(lex)
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for i, item in enumerate(lex.get("patterns") or []):
        where = f"lexicon.yaml: patterns[{i}]"
        if not isinstance(item, dict) or item.get("concept") not in concepts:
            raise TriageDataError(
                f"{where}: unknown concept {item.get('concept') if isinstance(item, dict) else item!r}"
            )
        try:
            patterns.append((item["concept"], re.compile(str(item["regex"]))))
        except (KeyError, re.error) as exc:
            raise TriageDataError(f"{where}: bad regex: {exc}") from exc
    cues = _load_yaml("cues.yaml")
    for key in (
        "negation_pre",
        "negation_post",
        "site_normal_post",
        "gone_post",
        "gone_post_concepts",
        "feared",
        "feared_concepts",
        "feared_unless",
        "hypothetical_open",
        "hypothetical_close",
        "advice_said",
        "advice_if",
        "advice_then",
        "advice_instructs",
        "hearsay",
        "hypothetical_sentence",
        "return_if",
        "other_person",
        "own_complaint",
        "childhood",
        "hearsay_then",
        "asked_about",
        "uncertain",
        "unknown",
        "answer_yes",
        "answer_no",
        "correction",
        "history_past",
        "history_resolved",
        "history_present",
    ):
        cues[key] = _str_list(cues.get(key), f"cues.yaml: {key}")
    for key in ("gone_post_concepts", "feared_concepts"):
        if unknown := set(cues[key]) - concepts.keys():
            raise TriageDataError(f"cues.yaml: {key}: unknown concepts {sorted(unknown)}")
    kn = _load_yaml("knowledge.yaml")
    rf = _load_yaml("red_flags.yaml")
    iv = _load_yaml("interview.yaml")
    known = Knowledge(concepts, {}, {}, frozenset(), 0, {}, (), (), (), {}, {}).known_tags
    weights: dict[str, dict[str, float]] = {}
    for tag, w in (kn.get("weights") or {}).items():
        _check_tag(tag, "knowledge.yaml: weights", known)
        for d in w:
            if d not in DEPARTMENTS:
                raise TriageDataError(f"knowledge.yaml: weights[{tag}] unknown department {d!r}")
        weights[tag] = {d: float(v) for d, v in w.items()}
    depts = kn.get("departments") or {}
    if set(depts) != set(DEPARTMENTS):
        raise TriageDataError(f"knowledge.yaml: departments must be exactly {DEPARTMENTS}")
    red = _parse_rules(rf.get("red_flags"), "red_flags.yaml", "red_flags", known, red=True)
    missing = set(RED_FLAG_CODES) - {r.code for r in red}
    if missing:
        raise TriageDataError(f"red_flags.yaml: no rule for red flag(s) {sorted(missing)}")
    for section in ("red_flag_questions", "history_questions"):
        for q in iv.get(section) or []:
            where = f"interview.yaml: {section} {q.get('id')!r}"
            if q.get("kind") not in ("yesno", "free", "choice") or not q.get("zh") or not q.get("en"):
                raise TriageDataError(f"{where}: needs kind (yesno/free/choice), zh and en")
            for f in (q.get("yes_findings") or []) + (q.get("no_findings") or []):
                for part in f.split("@"):
                    if part not in concepts:
                        raise TriageDataError(f"{where}: unknown concept {part!r}")
            q["applies_rules"] = tuple(_parse_clause(c, where, known) for c in (q.get("applies") or []))
    return Knowledge(
        concepts=concepts,
        cues=cues,
        departments=depts,
        orthopaedic=frozenset(kn.get("orthopaedic") or []),
        min_score=float(kn.get("min_score", 1.5)),
        weights=weights,
        conditions=_parse_rules(kn.get("conditions"), "knowledge.yaml", "conditions", known, red=False),
        red_flags=red,
        urgency_rules=_parse_rules(
            rf.get("urgency_rules"), "red_flags.yaml", "urgency_rules", known, red=False
        ),
        net_vetoes=_parse_rules(
            rf.get("safety_net_vetoes"), "red_flags.yaml", "safety_net_vetoes", known, red=False
        ),
        interview=iv,
        typos=load_typos(),
        patterns=tuple(patterns),
        compositions=_load_compositions(concepts),
    )


_WORD_RE = re.compile(r"[a-z]")


def is_ascii_word(form: str) -> bool:
    """True when a form is Latin-script and so needs word-boundary checks when matched."""
    return bool(_WORD_RE.search(form)) and all(ord(c) < 128 for c in form)
