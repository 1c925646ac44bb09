"""Geometry every stage shares: array helpers (norms, hulls, bounds, labels, binned profiles),
height maps rasterised from a mesh, and mesh topology (merged vertices, components, areas). It
knows nothing of feet, devices or measurements: the design and the independent measure both
stand on it, and neither borrows the other's code."""
