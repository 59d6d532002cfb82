"""Demo data: a provincial hospital, two county hospitals, staff of every role, ~200 patients.

Deterministic for a given seed, so screenshots and tests see the same people. Demo accounts exist only
when asked for (``osteon serve --demo`` / ``osteon demo``) and are marked ``is_demo`` (SECURITY 6).
"""

from __future__ import annotations

import base64
import hashlib
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.config import Settings
from osteon.db import Database
from osteon.institutions.models import Department, Institution, Ward
from osteon.kit.domains import import_domains
from osteon.kit.masking import mask_id_number, mask_phone
from osteon.patients import idcard
from osteon.patients.models import Patient
from osteon.patients.service import add_care_relationship, pinyin_of
from osteon.security import audit
from osteon.security.crypto import FieldCipher
from osteon.security.models import User
from osteon.security.service import create_user

INSTITUTIONS = [
    # code, name, name_en, level, region, MRN prefix, ID-number region code (GB/T 2260)
    ("XCPH", "西川省人民医院", "Xichuan Provincial People's Hospital", "provincial_tertiary", "西川省锦城市", "P", "510104"),
    ("QSCH", "青石县人民医院", "Qingshi County People's Hospital", "county", "西川省青石县", "Q", "511922"),
    ("AHCH", "安和县人民医院", "Anhe County People's Hospital", "county", "西川省安和县", "A", "511923"),
]

SUBSPECIALTIES = [
    ("SPINE", "脊柱外科", "Spine Surgery", "spine"),
    ("JOINT", "关节外科", "Joint Surgery", "joint"),
    ("SPORTS", "运动医学科", "Sports Medicine", "sports"),
    ("TRAUMA", "创伤骨科", "Orthopedic Trauma", "trauma"),
    ("HAND", "手外科", "Hand Surgery", "hand"),
    ("FOOT", "足踝外科", "Foot and Ankle Surgery", "foot_ankle"),
    ("PED", "小儿骨科", "Pediatric Orthopedics", "pediatric"),
    ("TUMOR", "骨肿瘤科", "Bone Tumor Surgery", "bone_tumor"),
]
COUNTY_SUBSPECIALTIES = {"SPINE", "JOINT", "TRAUMA"}
OTHER_DEPARTMENTS = [
    ("RAD", "放射科", "Radiology", None),
    ("ED", "急诊科", "Emergency Department", "emergency"),
    ("RHEUM", "风湿免疫科", "Rheumatology", "rheumatology"),
    ("NEURO", "神经内科", "Neurology", "neurology"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_MALE = ["建国", "建军", "国强", "志强", "伟", "勇", "军", "磊", "强", "洋", "明", "超", "刚", "平", "辉", "鹏", "华", "飞", "斌", "宇", "浩", "凯", "健", "俊", "帆", "德福", "长贵", "树林", "永福", "文斌", "子轩", "浩然", "宇航", "一鸣"]
GIVEN_FEMALE = ["秀英", "桂英", "秀兰", "玉兰", "桂兰", "淑珍", "丽", "敏", "静", "艳", "娟", "霞", "芳", "燕", "玲", "婷", "雪", "慧", "颖", "琳", "欣怡", "梓涵", "诗涵", "雨桐", "淑芬", "凤英", "翠花", "小红"]
STREETS = ["人民路", "解放路", "中山路", "建设路", "文化路", "新华街", "和平路", "胜利街", "滨河路", "东大街"]
ALLERGENS = ["青霉素", "头孢类", "磺胺类", "碘造影剂", "阿司匹林", "布洛芬", "海鲜", "花粉", "乳胶"]
INSURANCE = ["resident"] * 45 + ["employee"] * 35 + ["self_pay"] * 12 + ["commercial"] * 5 + ["other"] * 3

# (username, role, institution code, department code or None, full name, title)
STAFF = [
    ("admin", "system_admin", "XCPH", None, "系统管理员", "信息科工程师"),
    ("security", "security_admin", "XCPH", None, "安全管理员", "信息科安全员"),
    ("auditor", "audit_admin", "XCPH", None, "审计管理员", "审计员"),
    ("head", "dept_head", "XCPH", "ORTHO", "周国华", "主任医师 科主任"),
    ("expert", "expert", "XCPH", "SPINE", "林振宇", "主任医师 教授"),
    ("doctor", "doctor", "QSCH", "ORTHO", "李明", "主治医师"),
    ("nurse", "nurse", "QSCH", "ORTHO", "陈静", "主管护师"),
    ("tech", "technician", "QSCH", "RAD", "赵磊", "放射技师"),
    ("doctor_prov", "doctor", "XCPH", "JOINT", "孙浩", "副主任医师"),
    ("nurse_prov", "nurse", "XCPH", "ORTHO", "吴婷", "护士长"),
    ("tech_prov", "technician", "XCPH", "RAD", "郑凯", "CT技师"),
    ("expert_sports", "expert", "XCPH", "SPORTS", "何颖", "主任医师"),
    ("doctor_ah", "doctor", "AHCH", "ORTHO", "冯斌", "主治医师"),
    ("nurse_ah", "nurse", "AHCH", "ORTHO", "邓燕", "护师"),
    ("head_qs", "dept_head", "QSCH", "ORTHO", "曾长贵", "副主任医师 科主任"),
]
DEMO_USERNAMES = [s[0] for s in STAFF] + ["patient"]


@dataclass
class DemoResult:
    """What was created: credentials to print."""

    password: str
    totp_uris: dict[str, str] = field(default_factory=dict)
    created: bool = True
    patients: int = 0


def demo_totp_secret(seed: int, username: str) -> str:
    """Demo-only deterministic TOTP secret, so demo administrators and tests can compute codes."""
    digest = hashlib.sha256(f"osteon-demo-totp:{seed}:{username}".encode()).digest()
    return base64.b32encode(digest[:20]).decode()


def _id_number(rng: random.Random, region: str, born: date, sex: str) -> str:
    seq = rng.randrange(0, 100) * 10 + (rng.choice([1, 3, 5, 7, 9]) if sex == "male" else rng.choice([0, 2, 4, 6, 8]))
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + idcard.check_digit(first17)


def _age_years(rng: random.Random) -> int:
    """Orthopedic outpatients skew older; some children for pediatric orthopedics."""
    bucket = rng.random()
    if bucket < 0.08:
        return rng.randint(2, 15)
    if bucket < 0.30:
        return rng.randint(16, 44)
    if bucket < 0.65:
        return rng.randint(45, 64)
    return rng.randint(65, 92)


async def is_seeded(session: AsyncSession) -> bool:
    """True when the demo institutions already exist."""
    q = select(func.count()).select_from(Institution).where(Institution.code == INSTITUTIONS[0][0])
    return bool((await session.execute(q)).scalar_one())


async def has_real_data(session: AsyncSession) -> bool:
    """True when the database holds institutions other than the demo's (never mix demo into real data)."""
    q = select(func.count()).select_from(Institution).where(Institution.code.not_in([i[0] for i in INSTITUTIONS]))
    return bool((await session.execute(q)).scalar_one())


async def seed(db: Database, settings: Settings, cipher: FieldCipher, *, patients: int = 200) -> DemoResult:
    """Create the demo world; a no-op if it already exists."""
    password = settings.demo_password or _generated_password()
    import_domains()  # every domain registers its demo hook when its modules load
    async with db.transaction() as session:
        if await is_seeded(session):
            return DemoResult(password=settings.demo_password or "(unchanged — set OSTEON_DEMO_PASSWORD)", created=False)
        session.info["client_ip"] = "demo-seed"
        rng = random.Random(settings.demo_seed)
        insts: dict[str, Institution] = {}
        deps: dict[tuple[str, str], Department] = {}
        regions: dict[str, str] = {}
        for code, name, name_en, level, region, prefix, region_code in INSTITUTIONS:
            inst = Institution(code=code, name=name, name_en=name_en, level=level, region=region, mrn_prefix=prefix)
            session.add(inst)
            await session.flush()
            insts[code], regions[code] = inst, region_code
            ortho = Department(institution_id=inst.id, code="ORTHO", name="骨科", name_en="Orthopedics")
            session.add(ortho)
            await session.flush()
            deps[(code, "ORTHO")] = ortho
            for sc, sname, sname_en, spec in SUBSPECIALTIES:
                if level == "county" and sc not in COUNTY_SUBSPECIALTIES:
                    continue
                d = Department(institution_id=inst.id, parent_id=ortho.id, code=sc, name=sname, name_en=sname_en, subspecialty=spec)
                session.add(d)
                deps[(code, sc)] = d
            for oc, oname, oname_en, spec in OTHER_DEPARTMENTS:
                d = Department(institution_id=inst.id, code=oc, name=oname, name_en=oname_en, subspecialty=spec)
                session.add(d)
                deps[(code, oc)] = d
            await session.flush()
            for i, ward_name in enumerate(["骨科一病区", "骨科二病区"] if level != "county" else ["骨科病区"], start=1):
                session.add(Ward(institution_id=inst.id, department_id=ortho.id, code=f"W{i}", name=ward_name, floor=f"{i + 5}F"))
        await session.flush()

        result = DemoResult(password=password)
        users: dict[str, User] = {}
        for username, role, inst_code, dep_code, full_name, title in STAFF:
            user, _uri = await create_user(
                session, settings, cipher, username=username, full_name=full_name, role=role,
                institution_id=insts[inst_code].id, department_id=deps[(inst_code, dep_code)].id if dep_code else None,
                password=password, title=title, must_change_password=False, is_demo=True, enforce_policy=False,
            )
            if user.totp_secret_enc:
                secret = demo_totp_secret(settings.demo_seed, username)
                user.totp_secret_enc = cipher.encrypt(secret, context="users.totp")
                import pyotp

                result.totp_uris[username] = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=settings.totp_issuer)
            users[username] = user

        today = date.today()
        created: list[Patient] = []
        for n in range(patients):
            inst_code = ["QSCH", "QSCH", "XCPH", "AHCH"][n % 4]
            sex = "male" if rng.random() < 0.5 else "female"
            name = rng.choice(SURNAMES) + rng.choice(GIVEN_MALE if sex == "male" else GIVEN_FEMALE)
            if n == 0:  # the source document's patient: an elderly man with lumbar films, from the county
                inst_code, sex, name = "QSCH", "male", "王建国"
            age = 71 if n == 0 else _age_years(rng)
            born = today - timedelta(days=age * 365 + rng.randint(0, 364))
            id_number = _id_number(rng, regions[inst_code], born, sex) if rng.random() < 0.92 else None
            phone = f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}" if rng.random() < 0.95 else None
            address = f"{INSTITUTIONS[[i[0] for i in INSTITUTIONS].index(inst_code)][4]}{rng.choice(STREETS)}{rng.randint(1, 300)}号"
            inst = insts[inst_code]
            full, initials = pinyin_of(name)
            p = Patient(
                mrn=f"{inst.mrn_prefix}{inst.mrn_counter + 1:08d}", institution_id=inst.id,
                department_id=deps[(inst_code, "ORTHO")].id, name=name, pinyin=full, pinyin_initials=initials,
                sex=sex, birth_date=born, insurance_type=rng.choice(INSURANCE),
                allergies=rng.sample(ALLERGENS, k=1) if rng.random() < 0.15 else [],
            )
            inst.mrn_counter += 1
            p.id_number_enc = cipher.encrypt(id_number, context="patients.id_number")
            p.id_number_bidx = cipher.blind_index(id_number, context="patients.id_number")
            p.id_number_masked = mask_id_number(id_number)
            p.phone_enc = cipher.encrypt(phone, context="patients.phone")
            p.phone_bidx = cipher.blind_index(phone, context="patients.phone")
            p.phone_tail_bidx = cipher.blind_index(phone[-4:], context="patients.phone_tail") if phone else None
            p.phone_masked = mask_phone(phone)
            p.address_enc = cipher.encrypt(address, context="patients.address")
            session.add(p)
            created.append(p)
        await session.flush()
        # The county doctor cares for the first county patients; the portal user is 王建国.
        for p in created[:40]:
            if p.institution_id == insts["QSCH"].id:
                await add_care_relationship(session, users["doctor"].id, p.id)
        wang = created[0]
        patient_user, _ = await create_user(
            session, settings, cipher, username="patient", full_name=wang.name, role="patient",
            institution_id=insts["QSCH"].id, department_id=None, password=password, patient_id=wang.id,
            must_change_password=False, is_demo=True, enforce_policy=False,
        )
        users["patient"] = patient_user
        audit.record(session, "demo.seed", detail={"patients": len(created), "seed": settings.demo_seed}, username="system")
        result.patients = len(created)
        # Hooks let later domains add their demo data (schedules, beds, studies …) in the same transaction.
        for hook in DEMO_HOOKS:
            await hook(session, rng, insts, deps, users, created)
        return result


DEMO_HOOKS: list = []


def _generated_password() -> str:
    """A printable strong password for this demo run."""
    return "Demo-" + secrets.token_urlsafe(9).replace("_", "x").replace("-", "y") + "7!"


def print_credentials(result: DemoResult, echo=print) -> None:
    """Print the demo logins (ARCHITECTURE §3)."""
    if not result.created:
        echo("Demo data already present; logins unchanged.")
        return
    echo("")
    echo("演示账号 / Demo logins (demo mode only):")
    echo(f"  users:    {', '.join(DEMO_USERNAMES)}")
    echo(f"  password: {result.password}")
    for username, uri in result.totp_uris.items():
        echo(f"  TOTP for {username}: {uri}")
    echo("")


__all__ = ["DEMO_HOOKS", "DEMO_USERNAMES", "DemoResult", "demo_totp_secret", "is_seeded", "print_credentials", "seed"]
