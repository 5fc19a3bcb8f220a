"""Reading back which glyph forms a PDF was set in: a CJK face of a Noto/Source Han collection (.ttc) shares
one CFF (named …jp…) among its SC/TC/JP/KR faces, which differ in their cmap; CIDs equal glyph ids there.
So a PDF's (character, cid) pairs tell whether the SC or the JP face was used."""

from __future__ import annotations

import io
import re
import struct
from pathlib import Path


def _cmap(data: bytes, face_offset: int) -> dict[int, int]:
    """Unicode -> glyph id of one face of a collection (cmap format 12, else 4)."""
    num = struct.unpack(">H", data[face_offset + 4:face_offset + 6])[0]
    tables = {data[face_offset + 12 + 16 * i:face_offset + 16 + 16 * i]: struct.unpack(
        ">II", data[face_offset + 20 + 16 * i:face_offset + 28 + 16 * i]) for i in range(num)}
    base = tables[b"cmap"][0]
    n = struct.unpack(">H", data[base + 2:base + 4])[0]
    subs = [struct.unpack(">HHI", data[base + 4 + 8 * i:base + 12 + 8 * i]) for i in range(n)]
    out: dict[int, int] = {}
    for _, _, off in subs:
        fmt = struct.unpack(">H", data[base + off:base + off + 2])[0]
        if fmt == 12:
            p = base + off
            groups = struct.unpack(">I", data[p + 12:p + 16])[0]
            for g in range(groups):
                start, end, gid = struct.unpack(">III", data[p + 16 + 12 * g:p + 28 + 12 * g])
                for cp in range(start, end + 1):
                    out[cp] = gid + cp - start
            return out
    raise ValueError("no format 12 cmap")


def collection_cmaps(path: Path) -> dict[str, dict[int, int]]:
    """PostScript-ish face tag (sc, jp, kr, tc, hk) -> its cmap, for each face of a .ttc."""
    data = path.read_bytes()
    n = struct.unpack(">I", data[8:12])[0]
    offsets = struct.unpack(f">{n}I", data[12:12 + 4 * n])
    out: dict[str, dict[int, int]] = {}
    for off in offsets:
        name = _face_name(data, off)
        m = re.search(r"CJK(sc|tc|jp|kr|hk)", name)
        if m and m[1] not in out:
            out[m[1]] = _cmap(data, off)
    return out


def _face_name(data: bytes, face_offset: int) -> str:
    num = struct.unpack(">H", data[face_offset + 4:face_offset + 6])[0]
    for i in range(num):
        rec = face_offset + 12 + 16 * i
        if data[rec:rec + 4] == b"name":
            base = struct.unpack(">I", data[rec + 8:rec + 12])[0]
            count, strings = struct.unpack(">HH", data[base + 2:base + 6])
            for j in range(count):
                pid, _, _, nid, length, off = struct.unpack(">HHHHHH", data[base + 6 + 12 * j:base + 18 + 12 * j])
                if nid == 6:
                    raw = data[base + strings + off:base + strings + off + length]
                    return raw.decode("utf-16-be" if pid in (0, 3) else "latin-1", "replace")
    return ""


def used_glyphs(pdf: bytes) -> list[tuple[str, str, int]]:
    """(font base name, character, cid) for each glyph of each embedded Type 1 / CID font of the PDF."""
    from pypdf import PdfReader

    out = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font") or {}
        for ref in fonts.get_object().values():
            font = ref.get_object()
            base = str(font.get("/BaseFont", "")).lstrip("/").split("+", 1)[-1]
            desc = font.get("/FontDescriptor")
            program = desc.get_object().get("/FontFile") if desc is not None else None
            tounicode = font.get("/ToUnicode")
            if program is None or tounicode is None:
                continue
            codes = {int(c): int(cid) for c, cid in re.findall(rb"dup (\d+) /cid(\d+) put", program.get_object().get_data())}
            cmap = tounicode.get_object().get_data()
            for c, u in re.findall(rb"<([0-9A-Fa-f]{2})>\s*<([0-9A-Fa-f]{4,8})>", cmap):
                code, text = int(c, 16), bytes.fromhex(u.decode("ascii")).decode("utf-16-be", "replace")
                if code in codes and len(text) == 1:
                    out.append((base, text, codes[code]))
    return out


NOTO = Path("/usr/share/fonts/opentype/noto")


def not_simplified(pdf: bytes) -> set[tuple[str, str]]:
    """(font, character) for each glyph of a Noto CJK collection that is not the SC face's glyph for it:
    a Japanese (or Korean, Traditional) form where Simplified Chinese was meant."""
    cmaps = {kind: collection_cmaps(NOTO / f"Noto{kind}CJK-Regular.ttc")["sc"] for kind in ("Serif", "Sans")}
    out = set()
    for base, ch, cid in used_glyphs(pdf):
        kind = "Serif" if base.startswith("NotoSerifCJK") else "Sans" if base.startswith("NotoSansCJK") else None
        if kind is not None and ord(ch) in cmaps[kind] and cmaps[kind][ord(ch)] != cid:
            out.add((base, ch))
    return out
