"""Rules and rectangles of a PDF page read by PDFium, as pdfplumber's ``page.rects`` / ``page.lines``.

pdfminer reads each painted subpath: "m l" (or "m l h") is a line, "m l l l h" with axis-aligned
sides a rectangle, anything else a curve (which the reader does not use). The same rule is
applied here to the segments of PDFium's path objects, in page coordinates (the path's matrix,
and the matrices of the form XObjects it sits in), then flipped to pdfplumber's top-left origin.
"""
from __future__ import annotations

import ctypes

import pypdfium2.raw as pdfium_c

Matrix = tuple[float, float, float, float, float, float]
# the 2x3 matrix of "no transformation"
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
# PDFium keeps points as 32-bit floats: exact equality would miss a closed rectangle
POINT_TOLERANCE = 0.01



def compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix of ``inner`` applied first, then ``outer`` (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def path_to_subpaths(obj, m: Matrix) -> list[tuple[str, list[tuple[float, float]]]]:
    """A path object's subpaths as pdfminer's shape strings ("mlllh") and page points."""
    subpaths: list[tuple[str, list[tuple[float, float]]]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        kind = pdfium_c.FPDFPathSegment_GetType(seg)
        pdfium_c.FPDFPathSegment_GetPoint(seg, x, y)
        point = apply(m, x.value, y.value)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO or not subpaths:
            subpaths.append(("m", [point]))
        else:
            shape, points = subpaths[-1]
            subpaths[-1] = (shape + ("c" if kind == pdfium_c.FPDF_SEGMENT_BEZIERTO else "l"), points + [point])
        if pdfium_c.FPDFPathSegment_GetClose(seg):
            shape, points = subpaths[-1]
            subpaths[-1] = (shape + "h", points + [points[0]])
    return subpaths


def subpath_to_shape(shape: str, points: list[tuple[float, float]], page_top: float) -> tuple[str, dict] | None:
    """pdfminer's reading of one subpath: ("line", dict), ("rect", dict), or None (a curve)."""
    # PDFium closes a rectangle with a line back to its start; pdfminer drops that redundant "l"
    if len(shape) > 3 and shape.endswith("lh") and close(points[-2], points[0]):
        shape, points = shape[:-2] + "h", points[:-2] + [points[-1]]
    if shape in ("ml", "mlh"):
        kind = "line"
    elif shape in ("mlllh", "mllll") and is_axis_rectangle(points):
        kind = "rect"
        points = points[:4]
    else:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    return kind, {"x0": x0, "x1": x1, "y0": y0, "y1": y1, "top": page_top - y1, "bottom": page_top - y0,
                  "width": x1 - x0, "height": y1 - y0, "object_type": kind}


def close(p: tuple[float, float], q: tuple[float, float]) -> bool:
    return abs(p[0] - q[0]) < POINT_TOLERANCE and abs(p[1] - q[1]) < POINT_TOLERANCE


def is_axis_rectangle(points: list[tuple[float, float]]) -> bool:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points[:4]
    closed = close(points[0], points[4])
    eq = lambda a, b: abs(a - b) < POINT_TOLERANCE  # noqa: E731
    return closed and ((eq(x0, x1) and eq(y1, y2) and eq(x2, x3) and eq(y3, y0))
                       or (eq(y0, y1) and eq(x1, x2) and eq(y2, y3) and eq(x3, x0)))


def object_matrix(obj) -> Matrix:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, m):
        return IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def objects_to_shapes(objects, outer: Matrix, page_top: float, out: dict[str, list[dict]]) -> None:
    """Lines and rectangles of the painted paths, descending into form XObjects as pdfminer does."""
    for obj in objects:
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            m = compose(object_matrix(obj), outer)
            for shape, points in path_to_subpaths(obj, m):
                found = subpath_to_shape(shape, points, page_top)
                if found:
                    out[found[0]].append(found[1])
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            m = compose(object_matrix(obj), outer)
            inner = [pdfium_c.FPDFFormObj_GetObject(obj, i) for i in range(pdfium_c.FPDFFormObj_CountObjects(obj))]
            objects_to_shapes(inner, m, page_top, out)


def page_to_shapes(page, page_top: float) -> dict[str, list[dict]]:
    raw = page.raw
    objects = [pdfium_c.FPDFPage_GetObject(raw, i) for i in range(pdfium_c.FPDFPage_CountObjects(raw))]
    out: dict[str, list[dict]] = {"rect": [], "line": []}
    objects_to_shapes(objects, IDENTITY, page_top, out)
    return out
