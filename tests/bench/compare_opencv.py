#!/usr/bin/env python3
"""Times the kiosk's quality checks and JPEG encoding against OpenCV's usual
recipe on the same 1920x1080 frames, in one run, on one core each.

OpenCV recipe: cvtColor(RGB2GRAY) + Laplacian(CV_64F) + var(); imencode(.jpg, q90).
Checks that the kiosk's laplacian_variance equals OpenCV's within 0.1 %.

Usage: tests/bench/compare_opencv.py [ITERATIONS]   (installs numpy and
opencv-python-headless into ~/.cache/onboard-kiosk/bench-venv on first use)
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV = os.path.expanduser("~/.cache/onboard-kiosk/bench-venv")


def ensure_opencv():
    try:
        import cv2  # noqa: F401
        import numpy  # noqa: F401
        return
    except ImportError:
        pass
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        venv.create(VENV, with_pip=True)
    probe = subprocess.run([python, "-c", "import cv2, numpy"], capture_output=True)
    if probe.returncode != 0:
        subprocess.check_call([python, "-m", "pip", "install", "-q", "numpy", "opencv-python-headless"])
    os.execv(python, [python, *sys.argv])


def median_ms(fn, iterations):
    samples = []
    for _ in range(iterations):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000.0)
    return statistics.median(samples)


def main():
    ensure_opencv()
    import cv2
    import numpy as np

    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    cv2.setNumThreads(1)
    out = tempfile.mkdtemp(prefix="kiosk-bench-")
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    ours = json.loads(
        subprocess.check_output(
            ["cargo", "run", "--quiet", "--release", "-p", "onboard-kiosk", "--example", "quality_timings", "--", out, str(iterations)],
            cwd=ROOT,
            env=env,
        )
    )
    ok = True
    rows = []
    for f in ours["frames"]:
        rgb = np.fromfile(f["file"], dtype=np.uint8).reshape(f["height"], f["width"], 3)
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)

        def recipe():
            grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
            return cv2.Laplacian(grey, cv2.CV_64F).var()

        theirs = float(recipe())
        cv_ms = median_ms(recipe, iterations)
        enc_ms = median_ms(lambda: cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 90]), max(iterations // 4, 5))
        diff = abs(f["laplacian_variance"] - theirs) / max(theirs, 1e-12)
        diff = float(diff)
        ok = ok and diff <= 0.001
        rows.append({
            "frame": f["name"],
            "laplacian_variance_kiosk": round(f["laplacian_variance"], 4),
            "laplacian_variance_opencv": round(theirs, 4),
            "relative_difference": diff,
            "kiosk_full_assessment_ms": round(f["assess_median_ms"], 3),
            "opencv_laplacian_recipe_ms": round(cv_ms, 3),
            "speedup": round(cv_ms / f["assess_median_ms"], 2),
            "kiosk_jpeg_ms": round(f["encode_median_ms"], 3),
            "opencv_imencode_ms": round(enc_ms, 3),
            "jpeg_ratio": round(f["encode_median_ms"] / enc_ms, 2),
        })
    for r in rows:
        print(json.dumps(r))
    print(json.dumps({
        "median_speedup": statistics.median(r["speedup"] for r in rows),
        "median_jpeg_ratio": statistics.median(r["jpeg_ratio"] for r in rows),
        "variance_matches_within_0.1_percent": ok,
    }))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
