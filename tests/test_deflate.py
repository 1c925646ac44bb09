"""The ZIP and gzip bytes written through ISA-L (outputs/deflate.py) are read back by readers
that are not ours: Info-ZIP's unzip, Python's zipfile and gzip, and trimesh's 3MF loader."""
import gzip
import io
import shutil
import subprocess
import zipfile

import numpy as np
import pytest

from insolegen.errors import DesignFailed
from insolegen.outputs import deflate
from insolegen.outputs.deflate import gzip_bytes, zip_archive
from insolegen.outputs.export import threemf_bytes


def _entries():
    rng = np.random.default_rng(7)
    return [("[Content_Types].xml", b"<Types/>" * 50),
            ("_rels/.rels", b""),                                   # an empty entry
            ("3D/3dmodel.model", rng.integers(0, 40, 300_000, dtype=np.uint8).tobytes()),
            ("Metadata/r\u00e9glages.config", "caf\u00e9 \u2014 ok".encode("utf-8"))]   # a name that is not ASCII


def test_a_zip_archive_reads_back_entry_for_entry_in_zipfile():
    entries = _entries()
    archive = zipfile.ZipFile(io.BytesIO(zip_archive(entries)))
    assert archive.testzip() is None                              # every CRC checks
    assert [i.filename for i in archive.infolist()] == [name for name, _ in entries]
    for info, (name, data) in zip(archive.infolist(), entries):
        assert archive.read(name) == data
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert (info.external_attr >> 16) & 0o777 == 0o644
    assert archive.getinfo("3D/3dmodel.model").compress_size < 300_000 * 0.8   # really deflated


def test_info_zip_unzip_tests_the_archive_clean(tmp_path):
    assert shutil.which("unzip"), "Info-ZIP unzip is needed (.ci/run installs it)"
    path = tmp_path / "a.zip"
    path.write_bytes(zip_archive(_entries()))
    run = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No errors detected" in run.stdout


def test_the_same_entries_give_the_same_bytes():
    assert zip_archive(_entries()) == zip_archive(_entries())
    assert gzip_bytes(b"abc" * 1000) == gzip_bytes(b"abc" * 1000)


def test_gzip_bytes_inflate_to_the_data():
    data = np.arange(100_000, dtype=np.int16).tobytes()
    packed = gzip_bytes(data)
    assert gzip.decompress(packed) == data
    assert packed[4:8] == b"\0\0\0\0"                               # no time in the header


def test_an_archive_past_the_zip_limit_is_refused(monkeypatch):
    monkeypatch.setattr(deflate, "_LIMIT", 1000)                     # 4 GiB of test data would be slow
    with pytest.raises(DesignFailed, match="big.bin"):
        zip_archive([("big.bin", bytes(2000))])


def test_a_3mf_written_through_isal_loads_in_trimesh_with_its_geometry():
    import trimesh

    box = trimesh.creation.box([30.0, 20.0, 4.0])
    data = threemf_bytes([("right", box.vertices, box.faces)])
    scene = trimesh.load(io.BytesIO(data), file_type="3mf", force="scene")
    (mesh,) = scene.dump()
    assert mesh.is_watertight
    assert mesh.volume == pytest.approx(30.0 * 20.0 * 4.0, rel=1e-6)


def test_names_and_settings_with_markup_characters_read_back_exactly_from_the_3mf():
    """Quotes, ampersands and angle brackets in a modifier's name or setting are escaped: an XML
    parser reads the very text back from the package's slicer config."""
    import xml.etree.ElementTree as ET

    import trimesh

    from insolegen.measure.load import SLIC3R_CONFIG

    box, small = trimesh.creation.box([30.0, 20.0, 4.0]), trimesh.creation.box([5.0, 5.0, 2.0])
    name, value = 'zone "A" & <B>', 'say "15%" & <more>'
    data = threemf_bytes([("right", box.vertices, box.faces)],
                         modifiers=[[(name, small.vertices, small.faces, {"fill_density": value})]])
    config = ET.fromstring(zipfile.ZipFile(io.BytesIO(data)).read(SLIC3R_CONFIG))
    found = {m.get("key"): m.get("value") for m in config.iter("metadata")}
    assert found["fill_density"] == value
    assert name in [m.get("value") for m in config.iter("metadata") if m.get("key") == "name"]
