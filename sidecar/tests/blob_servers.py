"""Real blob servers for the tests: kubo daemons in temporary repos (localnet.py's kubo helpers, the same
code the localnet runs) and, when it was built, a SeaweedFS S3 server."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEED = Path(os.environ.get("WEED", ROOT / "build" / "bin" / "weed"))


def _load_localnet():
    spec = importlib.util.spec_from_file_location("sabfl_localnet", ROOT / "localnet" / "localnet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


localnet = _load_localnet()
kubo_daemons = localnet.kubo_daemons


def kubo_available() -> bool:
    return os.access(localnet.IPFS, os.X_OK)


def wait_for_port(port: int, timeout: float) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


@contextmanager
def seaweed_s3(directory: Path, port_base: int) -> Iterator[str]:
    """A SeaweedFS server (master, volume, filer, S3 gateway) in `directory`; yields the S3 endpoint URL."""
    directory.mkdir(parents=True, exist_ok=True)
    # Every port weed would otherwise take by default is named (or disabled): ports from port_base on.
    ports = ["s3", "master", "volume", "filer", "master.port.grpc", "volume.port.grpc", "filer.port.grpc"]
    ports += ["s3.port.grpc"]
    command = [
        str(WEED),
        "server",
        "-s3",
        f"-dir={directory}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        *(f"-{name if '.port' in name else name + '.port'}={port_base + i}" for i, name in enumerate(ports)),
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-master.volumeSizeLimitMB=64",
        "-volume.max=4",
    ]
    s3_port = port_base
    log = open(directory / "weed.log", "ab")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        if not wait_for_port(s3_port, 60.0):
            raise RuntimeError(f"weed S3 gateway did not listen on {s3_port}; see {directory}/weed.log")
        yield f"http://127.0.0.1:{s3_port}"
    finally:
        process.terminate()  # weed lingers ~10 s after SIGTERM; nothing here needs saving
        try:
            process.wait(2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(directory, ignore_errors=True)
