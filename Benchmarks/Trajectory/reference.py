"""Times the reference's trajectory (motionmcp.trajectory.compute_trajectories, motionmcp-sdk
0.13.0) on one 300-frame sample of a 50-joint Mixamo rig, for three motions, and writes each
motion and the reference's answer to DIR for the Swift half (Sources/TrajectoryBench).

    .venv-reference/bin/python Benchmarks/Trajectory/reference.py DIR

The motions come from scripts/make-trajectory-fixtures (the generator of the trajectory test
fixtures): a straight walk, a walk on an arc of radius 4 m and an S-curve, at 30 fps.
"""

import importlib.machinery
import importlib.util
import json
import os
import sys
import time

from motionmcp.trajectory import compute_trajectories

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
loader = importlib.machinery.SourceFileLoader(
    "fixtures", os.path.join(ROOT, "scripts", "make-trajectory-fixtures"))
spec = importlib.util.spec_from_loader("fixtures", loader)
gen = importlib.util.module_from_spec(spec)
loader.exec_module(gen)

MOTIONS = {"walk": {"dir": 0.4}, "arc": {"R": 4.0}, "scurve": {}}
RUNS = 20


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for name, params in MOTIONS.items():
        recipe = {"id": "bench-" + name, "rig": "mixamorig", "motion": name, "params": params,
                  "scale": 1.0, "fps": 30.0, "frames": 300, "samples": 1, "loop": False}
        rot, root = gen.arrays(recipe)
        skel, names, _ = gen.skeleton(recipe)
        assert rot.shape == (1, 300, 50, 4), rot.shape

        def once():
            return compute_trajectories(skeleton=skel, joint_names=names, rotations_quat=rot,
                                        root_translations=root, fps=30.0)

        out = once()  # warm-up, and the answer the Swift half compares with
        times = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            once()
            times.append((time.perf_counter() - t0) * 1000.0)
        rot.tofile(os.path.join(out_dir, name + "-rot.f32"))
        root.tofile(os.path.join(out_dir, name + "-root.f32"))
        with open(os.path.join(out_dir, name + ".json"), "w") as f:
            json.dump({"names": names, "parents": [j[1] for j in gen.RIGS["mixamorig"]["joints"]],
                       "rest": [c for j in gen.RIGS["mixamorig"]["joints"] for c in j[2]],
                       "model": out[0]["model"], "heading": out[0]["heading"],
                       "position": out[0]["position"], "yaw": out[0]["yaw"],
                       "mean_ms": sum(times) / len(times), "best_ms": min(times)}, f)
        print("reference %-7s %s/%s: mean %.2f ms, best %.2f ms per sample (%d runs)"
              % (name, out[0]["model"], out[0]["heading"], sum(times) / len(times), min(times), RUNS),
              flush=True)


if __name__ == "__main__":
    main()
