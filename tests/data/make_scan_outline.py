"""Regenerate dupontgu_left_sole_outline.csv: the plan outline of the lowest 8 mm of a real
left-foot scan (metres), as a concave hull of the vertices there. Run from the repo root."""
import numpy as np
import shapely
import trimesh

mesh = trimesh.load("../shared/data/scans/dupontgu_left_foot.stl")
v = mesh.vertices
sole = v[v[:, 2] < v[:, 2].min() + 0.008][:, :2]
hull = shapely.concave_hull(shapely.MultiPoint(sole), ratio=0.08).simplify(0.0003)
np.savetxt("tests/data/dupontgu_left_sole_outline.csv", np.asarray(hull.exterior.coords)[:-1],
           delimiter=",", header="x_m,y_m", comments="", fmt="%.6f")
