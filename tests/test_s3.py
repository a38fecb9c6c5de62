"""``s3://`` inputs (issue 17) against a real S3-compatible server on 127.0.0.1 (moto's
``ThreadedMotoServer``, started here): a prefix is listed like a local folder walk (same order,
same skipped-file records, folder markers left out, videos refused with the reason); a scan of it
with the local engine (2 worker processes, the endpoint given by ``--s3-endpoint-url``) and with
``--engine ray`` (the endpoint from ``AWS_ENDPOINT_URL_S3``) gives the records of a scan of the
same files on disk, apart from the path and ``meta`` timings, with the SHA-256 of the uploaded
bytes; the objects are unchanged afterwards (ETag and bytes); ``--resume`` keeps the records of
unchanged objects and scans a changed one again; a missing bucket, refused credentials and a
missing s3fs are clear errors with exit code 2, and an endpoint where nothing listens is one too."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

moto_server = pytest.importorskip("moto.server", reason="moto[server] is in the dev extra")
pytest.importorskip("s3fs", reason="the s3 extra is not installed (pip install -e '.[s3]')")
import boto3  # noqa: E402

from gesture_scan.io import discover, remote  # noqa: E402
from gesture_scan.io.remote import S3Path  # noqa: E402
from gesture_scan_devkit.s3server import free_port, moto_process  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
QUICK = ["--text", "off", "--no-attire"]  # the hand search stays on: it finds the sign
TIMINGS = ("seconds", "stage_seconds")
BUCKET = "evidence"
# The case folder, as it is on disk and in the bucket (key under case/ -> bytes).
CASE = {
    "group_salam_dua_jari.jpg": (SAMPLES / "group_salam_dua_jari.jpg").read_bytes(),
    "group_with_banner_02.jpg": (SAMPLES / "group_with_banner_02.jpg").read_bytes(),
    "broken_download.jpg": (SAMPLES / "broken_download.jpg").read_bytes(),  # a cut-off JPEG
    "garbage.jpg": b"\xff\xd8 not a photo at all",
    "empty.jpg": b"",
    "notes.txt": b"case notes, not evidence to scan",
    "sub/rendered_campaign_2.jpg": (SAMPLES / "rendered_campaign_2.jpg").read_bytes(),
}
# Only in the bucket: a folder marker (what consoles write for "create folder") and a video.
BUCKET_ONLY = {"sub/": b"", "clip.mp4": b"\x00\x00\x00\x18ftypmp42 not decoded"}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """A real S3 API on 127.0.0.1, with fake credentials in this process's environment (never a
    real key, never the instance-metadata service, never ~/.aws)."""
    patch = pytest.MonkeyPatch()
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    for name, value in env.items():
        patch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        patch.delenv(name, raising=False)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    patch.setenv(remote.ENDPOINT_ENV, url)  # for the tests that list in this process
    try:
        yield url
    finally:
        server.stop()
        patch.undo()


@pytest.fixture(scope="module")
def client(endpoint: str) -> Any:
    s3 = boto3.client("s3", endpoint_url=endpoint)
    s3.create_bucket(Bucket=BUCKET)
    for key, data in {**CASE, **BUCKET_ONLY}.items():
        s3.put_object(Bucket=BUCKET, Key=f"case/{key}", Body=data)
    return s3


@pytest.fixture(scope="module")
def case_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same files on disk, for the local scan the bucket's must equal."""
    folder = tmp_path_factory.mktemp("local") / "case"
    for key, data in CASE.items():
        (folder / key).parent.mkdir(parents=True, exist_ok=True)
        (folder / key).write_bytes(data)
    return folder


def objects(client: Any, prefix: str) -> dict[str, tuple[str, bytes]]:
    """Every object under ``prefix``: key -> (ETag, bytes)."""
    listing = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return {
        o["Key"]: (o["ETag"], client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read())
        for o in listing.get("Contents", [])
    }


def scan(*args: str, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gesture_scan.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def records(out: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (out / "report.jsonl").read_text().splitlines() if x.strip()]


def comparable(record: dict[str, Any], base: str) -> dict[str, Any]:
    """A record without what differs by where the file was read: its path (made relative to the
    case folder) and the timings in ``meta``."""
    out = dict(record)
    assert out["path"].startswith(base), (out["path"], base)
    out["path"] = out["path"][len(base) :]
    out["meta"] = {k: v for k, v in out.get("meta", {}).items() if k not in TIMINGS}
    return out


def skipped(out: Path) -> list[tuple[str, str]]:
    """(path, reason) rows of ``skipped.csv``, whichever CSV dialect the report writes."""
    text = (out / "skipped.csv").read_text(encoding="utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    return [
        (row["path"], row["reason"]) for row in csv.DictReader(io.StringIO(text), dialect=dialect)
    ]


def environment(endpoint: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop(remote.ENDPOINT_ENV, None)
    if endpoint is not None:
        env[remote.ENDPOINT_ENV] = endpoint
    return env


@pytest.fixture(scope="module")
def local_report(case_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local-report") / "r"
    proc = scan(str(case_folder), "--out", str(out), "-w", "1", *QUICK, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    return out


def test_an_s3_url_survives_as_a_path():
    """Typer hands ``s3://b/k`` over as ``Path('s3:/b/k')``; the scan gets the URL back."""
    for typed in ("s3://evidence/case/a.jpg", Path("s3://evidence/case/a.jpg")):
        p = remote.input_path(typed)
        assert isinstance(p, S3Path) and str(p) == os.fspath(p) == "s3://evidence/case/a.jpg"
        assert (p.bucket, p.key, p.suffix, p.name) == ("evidence", "case/a.jpg", ".jpg", "a.jpg")
        assert not p.exists() and not p.is_dir()  # nothing local: the output guard finds nothing
    assert remote.input_path(Path("photos/a.jpg")) == Path("photos/a.jpg")
    assert not isinstance(remote.input_path("photos/a.jpg"), S3Path)


def test_a_prefix_is_listed_like_the_local_folder(client, case_folder):
    local = discover([case_folder])
    found = discover(["s3://evidence/case"])
    assert [str(p) for p in found.inputs] == [
        "s3://evidence/case/" + p.relative_to(case_folder).as_posix() for p in local.inputs
    ]
    assert all(isinstance(p, S3Path) for p in found.inputs)
    base = f"{case_folder}/"
    assert [(s.path.replace(base, "s3://evidence/case/"), s.reason) for s in local.skipped] == [
        (s.path, s.reason) for s in found.skipped if not s.path.endswith(".mp4")
    ]
    assert [(s.path, s.reason) for s in found.skipped if s.path.endswith(".mp4")] == [
        ("s3://evidence/case/clip.mp4", remote.VIDEO_REFUSED)
    ]
    assert not found.missing and not found.empty_folders
    # One object by its URL; a key that does not exist, in a bucket that does, is missing (an
    # error record, as a missing local file), not an error that stops the run.
    one = discover(["s3://evidence/case/sub/rendered_campaign_2.jpg", "s3://evidence/nope"])
    assert [str(p) for p in one.inputs] == ["s3://evidence/case/sub/rendered_campaign_2.jpg"]
    assert [str(p) for p in one.missing] == ["s3://evidence/nope"]


def test_odd_keys_and_empty_prefixes(client):
    client.put_object(Bucket=BUCKET, Key="odd/a//b.jpg", Body=CASE["garbage.jpg"])
    client.put_object(Bucket=BUCKET, Key="odd/c.jpg", Body=CASE["garbage.jpg"])
    client.put_object(Bucket=BUCKET, Key="markers/only/", Body=b"")
    found = discover(["s3://evidence/odd", "s3://evidence/markers"])
    assert [str(p) for p in found.inputs] == ["s3://evidence/odd/c.jpg"]
    assert [s.path for s in found.skipped] == ["s3://evidence/odd/a//b.jpg"]
    assert "empty or '.' segment" in found.skipped[0].reason
    assert [str(p) for p in found.empty_folders] == ["s3://evidence/markers"]


def test_a_missing_bucket_is_a_clear_error_with_exit_code_2(client, endpoint, tmp_path):
    with pytest.raises(remote.BucketNotFound, match=r"no such bucket 'no-such-bucket'"):
        discover(["s3://no-such-bucket/case"])
    out = tmp_path / "r"
    proc = scan(
        "s3://no-such-bucket/case",
        "--s3-endpoint-url",
        endpoint,
        "--out",
        str(out),
        *QUICK,
        env=environment(None),
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    text = " ".join(proc.stderr.split())
    assert "s3://no-such-bucket/case: no such bucket 'no-such-bucket'" in text, text
    assert endpoint in text  # the endpoint in use: a wrong one is the usual cause
    assert "Traceback" not in proc.stderr
    assert not out.exists()  # refused before the report folder was made


def test_refused_credentials_and_a_silent_endpoint_are_clear_errors(client, monkeypatch, tmp_path):
    """A second server that checks keys (moto's ``INITIAL_NO_AUTH_ACTION_COUNT``: the first
    request, making the bucket, is let through, then the fake key is refused), in a process of its
    own; then an endpoint where nothing listens."""
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "1"}
    with moto_process(env) as locked:
        boto3.client("s3", endpoint_url=locked).create_bucket(Bucket="locked")
        monkeypatch.setenv(remote.ENDPOINT_ENV, locked)
        with pytest.raises(remote.StorageAccessDenied, match="access denied") as denied:
            discover(["s3://locked/case"])
        assert locked in str(denied.value) and "AWS_ACCESS_KEY_ID" in str(denied.value)
        from gesture_scan.cli import main

        with pytest.raises(SystemExit) as stop:
            main(["s3://locked/case", "--out", str(tmp_path / "r"), *QUICK])
        assert stop.value.code == 2
    monkeypatch.setenv(remote.ENDPOINT_ENV, f"http://127.0.0.1:{free_port()}")
    with pytest.raises(remote.StorageError, match="does not answer") as silent:
        discover(["s3://evidence/case"])
    assert "--s3-endpoint-url" in str(silent.value)


def test_a_bad_endpoint_url_is_refused():
    from gesture_scan.errors import UsageError

    with pytest.raises(UsageError, match="expected http"):
        remote.configure("minio.internal:9000")


def test_without_s3fs_the_scan_says_how_to_install_it(client, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "s3fs", None)  # import s3fs -> ImportError
    monkeypatch.setattr(remote, "_filesystems", {})
    with pytest.raises(remote.MissingExtra, match=r"pip install 'gesture-scan\[s3\]'"):
        discover(["s3://evidence/case"])
    from gesture_scan.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["s3://evidence/case", "--out", str(tmp_path / "r"), *QUICK])
    assert stop.value.code == 2
    assert not (tmp_path / "r").exists()


def assert_like_local(s3_out: Path, local_out: Path, local_base: Path) -> None:
    s3_records = records(s3_out)
    base = "s3://evidence/case/"
    assert [comparable(r, base) for r in s3_records] == [
        comparable(r, f"{local_base}/") for r in records(local_out)
    ]
    # The comparison is worth something: real findings, error records, the empty object.
    assert sum(len(r["findings"]) for r in s3_records) >= 2
    assert sum(r["error"] is None for r in s3_records) >= 3
    by_key = {r["path"][len(base) :]: r for r in s3_records}
    for key, data in CASE.items():
        if key.endswith(".jpg"):  # every photo's record names the hash of the uploaded bytes
            assert by_key[key]["sha256"] == hashlib.sha256(data).hexdigest(), key
    assert by_key["empty.jpg"]["error"] == "empty file (0 bytes)"
    assert by_key["garbage.jpg"]["error"] is not None
    assert sorted(p.name for p in (s3_out / "annotated").iterdir()) == sorted(
        p.name for p in (local_out / "annotated").iterdir()
    )
    assert skipped(s3_out) == [
        ("s3://evidence/case/clip.mp4", remote.VIDEO_REFUSED),
        ("s3://evidence/case/notes.txt", "not an image or video (.txt)"),
    ]
    assert (s3_out / "report.html").is_file()


@pytest.mark.models
def test_the_local_engine_scans_s3_like_local_files(
    client, endpoint, case_folder, local_report, tmp_path
):
    before = objects(client, "case/")
    out = tmp_path / "r"
    # Two worker processes: each reads its objects itself, with the endpoint it inherited from
    # --s3-endpoint-url (the environment has none).
    proc = scan(
        "s3://evidence/case",
        "--s3-endpoint-url",
        endpoint,
        "--out",
        str(out),
        "-w",
        "2",
        *QUICK,
        env=environment(None),
    )
    assert proc.returncode == 0, proc.stderr
    assert_like_local(out, local_report, case_folder)
    assert objects(client, "case/") == before  # ETags and bytes: evidence never written back


@pytest.mark.models
def test_the_ray_engine_scans_s3_like_local_files(
    client, endpoint, case_folder, local_report, tmp_path
):
    pytest.importorskip("ray", reason="the ray extra is not installed")
    before = objects(client, "case/")
    out = tmp_path / "r"
    proc = scan(
        "s3://evidence/case",
        "--engine",
        "ray",
        "-w",
        "1",
        "--out",
        str(out),
        *QUICK,
        env={**environment(endpoint), "RAY_USAGE_STATS_ENABLED": "0"},
    )
    assert proc.returncode == 0, proc.stderr
    assert_like_local(out, local_report, case_folder)
    assert objects(client, "case/") == before


@pytest.mark.models
def test_resume_on_s3_inputs(client, endpoint, tmp_path):
    names = ["broken.jpg", "p0.jpg", "p1.jpg", "p2.jpg", "p3.jpg", "p4.jpg"]
    photos = sorted(SAMPLES.glob("rendered_campaign_*.jpg"))
    for i, name in enumerate(names):
        data = CASE["garbage.jpg"] if name == "broken.jpg" else photos[i % 2].read_bytes()
        client.put_object(Bucket=BUCKET, Key=f"resume/{name}", Body=data)
    out = tmp_path / "r"
    argv = ["s3://evidence/resume", "--out", str(out), "-w", "1", *QUICK]
    env = environment(endpoint)
    assert scan(*argv, env=env).returncode == 0
    full = records(out)
    assert [r["path"] for r in full] == [f"s3://evidence/resume/{n}" for n in names]
    assert full[0]["error"] is not None and full[0]["sha256"] is not None
    # What a run killed after three records leaves (records are written and flushed one by one),
    # and then one of those three objects replaced in the bucket.
    lines = (out / "report.jsonl").read_text().splitlines(keepends=True)
    (out / "report.jsonl").write_text("".join(lines[:3]))
    changed = photos[1].read_bytes()  # p1.jpg held photos[0]'s bytes
    assert hashlib.sha256(changed).hexdigest() != full[2]["sha256"]
    client.put_object(Bucket=BUCKET, Key="resume/p1.jpg", Body=changed)
    proc = scan(*argv, "--resume", env=env)
    assert proc.returncode == 0, proc.stderr
    after = records(out)
    # One record per input: the unchanged two kept as they were (timings included: not scanned
    # again), then the changed object and the three never scanned, in input order.
    assert after[:2] == full[:2]
    assert [r["path"] for r in after] == [full[i]["path"] for i in (0, 1, 2, 3, 4, 5)]
    assert after[2]["sha256"] == hashlib.sha256(changed).hexdigest()
    assert [r["sha256"] for r in after[3:]] == [r["sha256"] for r in full[3:]]
    assert after[2]["meta"]["seconds"] and all(r["error"] is None for r in after[1:])
    assert len((out / "report.csv").read_text(encoding="utf-8-sig").splitlines()) == 1 + len(names)
    shutil.rmtree(out)


def test_an_s3_out_is_refused_not_made_a_local_folder(tmp_path):
    """``--out s3://b/x`` would otherwise become a local folder ``s3:`` beside the evidence."""
    photo = SAMPLES / "rendered_campaign_1.jpg"
    proc = subprocess.run(
        [sys.executable, "-m", "gesture_scan.cli", str(photo), "--out", "s3://reports/c1", *QUICK],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stderr
    assert "never to object storage" in " ".join(proc.stderr.split())
    assert not (tmp_path / "s3:").exists()
