"""E2E (issue 4, items 5–6): the demo doctor opens a CT series and a 2,500 × 3,000 DX of 王建国 in the web viewer
(Cornerstone3D over Osteon's WADO-RS), scrolls, sets the bone window, draws a Cobb angle whose value matches the
geometry computed here, reloads and sees it persisted. Studies are uploaded by STOW-RS first. Real server, real
Chromium; screenshots in test-artifacts/e2e/."""

from __future__ import annotations

import math
import re
import time

import httpx
from pydicom.uid import generate_uid

from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import shot
from tests.e2e.test_patients_flow import login
from tests.imaging.dicomgen import ct_slice, dx_image, to_bytes

NOT_BLANK_JS = """el => {
  const c = el.querySelector('canvas');
  if (!c || !c.width || !c.height) return 0;
  const ctx = c.getContext('2d');
  if (!ctx) return -1;
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let n = 0, sum = 0, sum2 = 0;
  for (let i = 0; i < d.length; i += 4 * 7) { const v = d[i]; n++; sum += v; sum2 += v * v; }
  const mean = sum / n; return Math.sqrt(Math.max(0, sum2 / n - mean * mean));
}"""

CANVAS_HASH_JS = """el => {
  const c = el.querySelector('canvas'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0; for (let i = 0; i < d.length; i += 4 * 13) h = (h * 31 + d[i]) >>> 0; return h;
}"""


def _stow(base: str, headers: dict[str, str], datasets: list) -> None:
    """Upload instances with one STOW-RS request."""
    boundary = "osteone2e"
    body = b"".join(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + to_bytes(ds) + b"\r\n"
                    for ds in datasets) + b"--" + boundary.encode() + b"--\r\n"
    r = httpx.post(f"{base}/dicomweb/studies", content=body, timeout=120, headers={
        **headers, "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}',
        "Accept": "application/dicom+json"})
    assert r.status_code == 200, r.text[:500]


def _upload_studies(base: str) -> tuple[str, str, str, str]:
    """A 20-slice CT (256×256) and a DX (2,500 wide × 3,000 high) for 王建国; returns (patient id, mrn, CT, DX)."""
    r = httpx.post(f"{base}/api/v1/auth/login", json={"username": "doctor", "password": DEMO_PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = httpx.get(f"{base}/api/v1/patients", params={"q": "王建国"}, headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    wang = next(p for p in r.json()["items"] if p["name"] == "王建国")
    ct_study, ct_series = generate_uid(), generate_uid()
    cts = [ct_slice(patient_id=wang["mrn"], study_uid=ct_study, series_uid=ct_series, index=i, size=256)
           for i in range(1, 21)]
    for ds in cts:
        ds.StudyDescription = "Lumbar CT (pre-op)"
        ds.StudyDate = "20261101"
    _stow(base, headers, cts)
    dx = dx_image(patient_id=wang["mrn"], rows=3000, cols=2500)
    dx.StudyDescription = "Lumbar spine AP (post-op)"
    _stow(base, headers, [dx])
    return wang["id"], wang["mrn"], ct_study, dx.StudyInstanceUID


def _viewport(page, i: int = 0):
    return page.get_by_test_id(f"viewport-{i}")


def _wait_rendered(page, i: int = 0, timeout: float = 30_000) -> None:
    """Until the pane's first image is on screen (its canvas is not blank)."""
    try:
        page.wait_for_function(
            f"() => {{ const el = document.querySelector('[data-testid=viewport-{i}]');"
            f" return el && el.dataset.firstImageMs !== '' && ({NOT_BLANK_JS})(el) > 2; }}",
            timeout=timeout)
    except Exception:
        shot(page, f"viewer-failed-pane-{i}")
        el = page.query_selector(f"[data-testid=viewport-{i}]")
        print("pane state:", el and el.evaluate("e => ({...e.dataset})"), el and el.evaluate(NOT_BLANK_JS))
        raise


def test_doctor_views_ct_and_dx_measures_cobb_angle_and_it_persists(server, page):
    patient_id, _mrn, ct_uid, dx_uid = _upload_studies(server)
    login(page, server, "doctor")

    # study browser on the patient page
    page.goto(f"{server}/patients/{patient_id}")
    page.get_by_test_id("study-list").wait_for()
    page.locator(f'[data-testid="study-open"][data-uid="{ct_uid}"]').wait_for()
    shot(page, "viewer-01-patient-studies")

    # CT: open, first image, progress to 20/20
    page.locator(f'[data-testid="study-open"][data-uid="{ct_uid}"]').click()
    page.wait_for_url(re.compile(r"/imaging/viewer/"))
    _wait_rendered(page)
    vp = _viewport(page)
    page.wait_for_function("() => document.querySelector('[data-testid=viewport-0]').dataset.count === '20'")
    page.wait_for_function("() => document.querySelector('[data-testid=viewport-0]').dataset.loaded === '20'",
                           timeout=60_000)
    assert vp.evaluate(NOT_BLANK_JS) > 2, "CT image is blank"
    shot(page, "viewer-02-ct")

    # scroll: mouse wheel, then the keyboard
    assert vp.get_attribute("data-index") == "0"
    box = vp.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, 120)
    page.wait_for_function("() => document.querySelector('[data-testid=viewport-0]').dataset.index !== '0'")
    after_wheel = int(vp.get_attribute("data-index"))
    page.keyboard.press("ArrowDown")
    page.wait_for_function(f"() => document.querySelector('[data-testid=viewport-0]').dataset.index === '{after_wheel + 1}'")
    page.keyboard.press("ArrowUp")
    page.wait_for_function(f"() => document.querySelector('[data-testid=viewport-0]').dataset.index === '{after_wheel}'")

    # bone window: W2000/L500 instead of the file's W1800/L400, and the picture changes
    ww0, wc0 = float(vp.get_attribute("data-ww")), float(vp.get_attribute("data-wc"))
    before = vp.evaluate(CANVAS_HASH_JS)
    page.get_by_test_id("preset-bone").click()
    page.wait_for_function("() => document.querySelector('[data-testid=viewport-0]').dataset.ww === '2000'")
    assert (float(vp.get_attribute("data-ww")), float(vp.get_attribute("data-wc"))) == (2000, 500)
    assert (ww0, wc0) != (2000, 500)
    page.wait_for_timeout(200)
    assert vp.evaluate(CANVAS_HASH_JS) != before, "the bone window did not change the picture"
    shot(page, "viewer-03-ct-bone-window")

    # the doctor's own preset: save the current window, it is offered from then on (stored per user)
    page.get_by_test_id("preset-save").click()
    page.locator(".el-message-box input").fill("腰椎骨窗")
    page.locator(".el-message-box__btns .el-button--primary").click()
    page.get_by_test_id("preset-user").wait_for()

    # an elliptical ROI inside the "vertebra" (HU ≈ 2000 + slice − 1024): mean and SD in the list
    page.get_by_test_id("tool-ellipse").click()
    box = vp.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx - 15, cy - 15)
    page.mouse.down()
    page.mouse.move(cx + 15, cy + 15, steps=8)
    page.mouse.up()
    roi = page.locator('[data-testid="measurement-row"][data-tool="EllipticalROI"] [data-testid="measurement-value"]')
    roi.wait_for()
    page.wait_for_function("() => { const v = document.querySelector('[data-testid=measurement-row][data-tool=EllipticalROI]"
                           " [data-testid=measurement-value]'); return v && v.textContent.includes('σ'); }", timeout=10_000)
    mean = float(re.search(r"μ (-?\d+(\.\d+)?)", roi.inner_text()).group(1))
    print(f"ellipse ROI: {roi.inner_text()!r}")
    assert 960 <= mean <= 1010, mean
    page.get_by_test_id("tool-windowLevel").click()
    shot(page, "viewer-035-ct-roi")

    # DX: time to first image, measured from navigation
    t0 = time.perf_counter()
    page.goto(f"{server}/imaging/viewer/{dx_uid}")
    _wait_rendered(page, timeout=30_000)
    wall_ms = (time.perf_counter() - t0) * 1000
    in_app_ms = _viewport(page).get_attribute("data-first-image-ms")
    print(f"\nDX 2500x3000 first image: {wall_ms:.0f} ms from navigation (page load + viewer chunk + metadata + "
          f"frame + decode + render); {in_app_ms} ms from series load start inside the viewer")
    marks = page.evaluate("""() => Object.fromEntries(
        [...performance.getEntriesByType('resource').filter(e => /ViewerView-.*\\.js$/.test(e.name))
           .map(e => ['viewer chunk loaded', e.responseEnd]),
         ...performance.getEntriesByType('mark').filter(m => m.name.startsWith('osteon-'))
           .map(m => [m.name, m.startTime])].map(([k, v]) => [k, Math.round(v)]))""")
    print("  since navigation start (ms):", marks)
    t1 = time.perf_counter()
    page.reload()
    _wait_rendered(page, timeout=30_000)
    print(f"DX first image after reload (viewer chunk cached): {(time.perf_counter() - t1) * 1000:.0f} ms; "
          f"in viewer {_viewport(page).get_attribute('data-first-image-ms')} ms")
    shot(page, "viewer-04-dx")

    # Cobb angle drawn with the mouse: two lines at known canvas coordinates
    page.get_by_test_id("tool-cobb").click()
    vp = _viewport(page)
    box = vp.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    a1, a2 = (cx - 120, cy - 150), (cx + 110, cy - 105)
    b1, b2 = (cx - 110, cy + 120), (cx + 120, cy + 70)
    for p, q in ((a1, a2), (b1, b2)):
        page.mouse.move(*p)
        page.mouse.down()
        page.mouse.move(*q, steps=12)
        page.mouse.up()
        page.wait_for_timeout(100)
    u = (a2[0] - a1[0], a2[1] - a1[1])
    v = (b2[0] - b1[0], b2[1] - b1[1])
    expected = math.degrees(math.acos(abs(u[0] * v[0] + u[1] * v[1]) / (math.hypot(*u) * math.hypot(*v))))

    # the tool's own label on the image (SVG text), and the measurement list
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=viewport-0] svg text')]"
                           ".some(t => t.textContent.includes('°'))", timeout=10_000)
    label = next(t for t in vp.locator("svg text").all_text_contents() if "°" in t)
    shown = float(re.search(r"-?\d+(\.\d+)?", label).group(0))
    print(f"Cobb angle: tool shows {label.strip()!r}, geometry {expected:.2f}°")
    assert abs(shown - expected) <= 1.0, (shown, expected)
    row = page.locator('[data-testid="measurement-row"][data-tool="CobbAngle"]')
    row.wait_for()
    listed = float(re.search(r"\d+(\.\d+)?", row.get_by_test_id("measurement-value").inner_text()).group(0))
    assert abs(listed - expected) <= 1.0
    page.wait_for_function("() => document.querySelector('[data-testid=annotation-status]').dataset.status === 'saved'",
                           timeout=10_000)
    shot(page, "viewer-05-dx-cobb")

    # reload: the next viewer sees the saved Cobb angle with the same value
    page.reload()
    _wait_rendered(page)
    row = page.locator('[data-testid="measurement-row"][data-tool="CobbAngle"]')
    row.wait_for(timeout=15_000)
    page.wait_for_function("() => { const v = document.querySelector('[data-testid=measurement-row] [data-testid=measurement-value]');"
                           " return v && v.textContent.includes('°'); }", timeout=10_000)
    persisted = float(re.search(r"\d+(\.\d+)?", row.get_by_test_id("measurement-value").inner_text()).group(0))
    assert abs(persisted - expected) <= 1.0, (persisted, expected)
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=viewport-0] svg text')]"
                           ".some(t => t.textContent.includes('°'))", timeout=10_000)
    shot(page, "viewer-06-dx-cobb-after-reload")

    # "导出 SR": the saved measurements become a DICOM SR stored as a new series of the DX study (QIDO sees it,
    # with the Cobb angle's SCT concept and the value shown in the list)
    page.get_by_test_id("export-sr").click()
    page.locator(".el-message--success").first.wait_for(timeout=20_000)
    shot(page, "viewer-061-dx-export-sr")
    r = httpx.post(f"{server}/api/v1/auth/login", json={"username": "doctor", "password": DEMO_PASSWORD}, timeout=30)
    api = {"Authorization": f"Bearer {r.json()['access_token']}"}
    series = httpx.get(f"{server}/dicomweb/studies/{dx_uid}/series", headers=api, timeout=30).json()
    sr_series = [x["0020000E"]["Value"][0] for x in series if x["00080060"]["Value"] == ["SR"]]
    assert len(sr_series) == 1, series
    sr_file = httpx.get(f"{server}/api/v1/viewer/studies/{dx_uid}/annotations/sr", headers=api, timeout=30)
    assert sr_file.status_code == 200 and sr_file.headers["content-type"] == "application/dicom"
    import io

    import highdicom as hd

    groups = hd.sr.srread(io.BytesIO(sr_file.content)).content.get_planar_roi_measurement_groups()
    in_sr = [m.value for g in groups for m in g.get_measurements() if m.name.value == "285285000"]
    assert len(in_sr) == 1 and abs(in_sr[0] - persisted) <= 0.05, (in_sr, persisted)

    # calibration by a marker of known size: a line declared 50 mm, then a line twice as long reads 100 mm
    page.get_by_test_id("tool-calibrate").click()
    vp = _viewport(page)
    box = vp.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx - 60, cy + 200)
    page.mouse.down()
    page.mouse.move(cx + 20, cy + 200, steps=10)
    page.mouse.up()
    page.get_by_test_id("calibrate-dialog").wait_for()
    page.locator('[data-testid="calibrate-mm"] input').fill("50")
    page.get_by_test_id("calibrate-submit").click()
    page.get_by_test_id("calibrate-dialog").wait_for(state="hidden")
    page.wait_for_timeout(400)  # the dialog's overlay fades out
    shot(page, "viewer-064-dx-calibrated")
    page.mouse.move(cx - 100, cy - 220)
    page.mouse.down()
    page.mouse.move(cx + 60, cy - 220, steps=10)
    page.mouse.up()
    length = page.locator('[data-testid="measurement-row"][data-tool="Length"] [data-testid="measurement-value"]')
    length.wait_for()
    try:  # the list follows the tool's stats, which settle on the render after the last mouse move
        page.wait_for_function("""() => { const v = document.querySelector(
            '[data-testid=measurement-row][data-tool=Length] [data-testid=measurement-value]');
            const n = parseFloat(v.textContent); return n > 98 && n < 102; }""", timeout=5_000)
    except Exception:  # noqa: BLE001 — fall through to the assertion with the value shown
        print("calibrated length did not settle near 100 mm")
    mm = float(re.search(r"\d+(\.\d+)?", length.inner_text()).group(0))
    print(f"calibrated length: {length.inner_text()!r} (expected 100 mm)")
    assert abs(mm - 100) <= 2, mm
    page.wait_for_function("() => document.querySelector('[data-testid=annotation-status]').dataset.status === 'saved'",
                           timeout=10_000)
    shot(page, "viewer-065-dx-calibrated-length")

    # compare side by side: the DX next to the CT (1×2)
    page.goto(f"{server}/imaging/viewer/{dx_uid}?compare={ct_uid}")
    _wait_rendered(page, 0)
    _wait_rendered(page, 1)
    assert page.get_by_test_id("pane-1").is_visible()
    shot(page, "viewer-07-compare-1x2")


def test_measurements_from_another_workstations_sr_are_shown_read_only(server, page):
    """A PACS workstation's TID 1500 SR (observer Smith^John, a 15 mm length on a DX) arrives by STOW-RS: the next
    reader sees it listed as read-only with its observer and value, drawn on the image, and can hide it; Delete does
    not remove it (it is not the study's own annotation)."""
    import highdicom as hd
    import numpy as np
    from pydicom.sr.codedict import codes

    r = httpx.post(f"{server}/api/v1/auth/login", json={"username": "doctor", "password": DEMO_PASSWORD}, timeout=30)
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    wang = next(p for p in httpx.get(f"{server}/api/v1/patients", params={"q": "王建国"}, headers=headers,
                                     timeout=30).json()["items"] if p["name"] == "王建国")
    dx = dx_image(patient_id=wang["mrn"], rows=600, cols=500)
    dx.StudyDescription = "Knee AP (outside PACS)"
    _stow(server, headers, [dx])
    group = hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(), identifier="ROI 1"),
        referenced_region=hd.sr.ImageRegion(
            graphic_type=hd.sr.GraphicTypeValues.POLYLINE,
            graphic_data=np.asarray([[100.5, 300.5], [400.5, 300.5]], dtype=float),
            source_image=hd.sr.SourceImageForRegion(referenced_sop_class_uid=dx.SOPClassUID,
                                                    referenced_sop_instance_uid=dx.SOPInstanceUID)),
        measurements=[hd.sr.Measurement(name=codes.SCT.Length, value=45.0, unit=codes.UCUM.Millimeter)])
    observer = hd.sr.ObserverContext(
        observer_type=codes.DCM.Person,
        observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(name="Smith^John"))
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(observer_person_context=observer),
        procedure_reported=codes.SCT.ImagingProcedure,
        imaging_measurements=[group])
    sr = hd.sr.Comprehensive3DSR(evidence=[dx], content=report, series_instance_uid=generate_uid(), series_number=77,
                                 sop_instance_uid=generate_uid(), instance_number=1, manufacturer="Other PACS",
                                 is_complete=True)
    _stow(server, headers, [sr])

    login(page, server, "doctor")
    page.goto(f"{server}/imaging/viewer/{dx.StudyInstanceUID}")
    _wait_rendered(page)
    row = page.get_by_test_id("imported-row").first
    row.wait_for(timeout=15_000)
    assert row.get_attribute("data-tool") == "Length"
    assert "45" in row.get_by_test_id("imported-value").inner_text()
    assert "Smith" in row.get_by_test_id("imported-source").inner_text()
    row.get_by_test_id("imported-readonly").wait_for()
    # drawn on the image where the SR put it: the length's label is in the viewport's SVG layer (this failed until
    # imported annotations were filed under the pane's frame of reference — a radiograph has none)
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=viewport-0] svg text')]"
                           ".some(t => t.textContent.includes('45'))", timeout=15_000)
    # not the study's own annotation: the own list stays empty and nothing is saved by viewing it
    assert page.locator('[data-testid="measurement-row"]').count() == 0
    shot(page, "viewer-08-imported-sr")
