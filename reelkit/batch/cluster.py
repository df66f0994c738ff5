"""Connecting to a Dask cluster, safely.

A Dask scheduler runs whatever code reaches its port. So:

- ``local:N`` starts a LocalCluster of N worker processes that listens on 127.0.0.1 only
  (no dashboard), each worker with one thread and the ``render`` resource;
- ``tcp://HOST:PORT`` is accepted only for a loopback HOST (127.0.0.0/8, ::1, localhost);
- any other machine needs ``tls://HOST:PORT`` with Dask's TLS security: a CA, a client
  certificate and its key, given as ``--tls-ca/--tls-cert/--tls-key`` or in the Dask
  configuration (``distributed.comm.tls.ca-file``, ``.client.cert``, ``.client.key``).
  Encryption is then required on every connection.

Workers must see the same paths as the batch process (a shared filesystem mounted at the
same place): tasks carry paths, not media.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reelkit.batch.executors import RENDER_RESOURCE
from reelkit.errors import InputError

WORKER_WAIT_S = 60.0


@dataclass(frozen=True)
class TlsFiles:
    """PEM files for a TLS connection to the scheduler (all three, or none from the command line)."""

    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None

    @property
    def given(self) -> bool:
        return any((self.ca, self.cert, self.key))


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (never resolved through DNS)."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_ADDRESS = re.compile(r"^(?P<scheme>tcp|tls)://(?P<host>\[[^\]]+\]|[^:/\[\]]+):(?P<port>\d{1,5})$")


def parse_cluster(address: str) -> tuple[str, str | int]:
    """``("local", N)``, ``("tcp", address)`` or ``("tls", address)``; InputError for anything else."""
    if address.startswith("local:"):
        count = address.split(":", 1)[1]
        if not count.isdigit() or not 1 <= int(count) <= 256:
            raise InputError(f"'{address}' is not local:N", key="--cluster", hint="e.g. local:2 for two worker processes")
        return "local", int(count)
    match = _ADDRESS.match(address)
    if not match:
        raise InputError(f"'{address}' is not a scheduler address", key="--cluster",
                         hint="use local:N, tcp://127.0.0.1:8786 or tls://host:8786")
    return match.group("scheme"), address


def security_for(address: str, tls: TlsFiles) -> Any:
    """The ``distributed.security.Security`` for ``address``, or None for loopback tcp.

    Refuses plain tcp to another machine and tls without a CA, client certificate and key.
    """
    from distributed.security import Security  # lazy: Dask loads (about 1 s) only for a --cluster run

    scheme, _ = parse_cluster(address)
    host = _ADDRESS.match(address).group("host")  # type: ignore[union-attr]
    if scheme == "tcp":
        if tls.given:
            raise InputError("TLS files given for a tcp:// address", key="--cluster",
                             hint=f"use tls://{address.split('://', 1)[1]}")
        if not is_loopback(host):
            raise InputError(f"refusing plain tcp to {host}: a Dask scheduler runs any code sent to its port",
                             key="--cluster", hint="use tls://HOST:PORT with --tls-ca/--tls-cert/--tls-key "
                             "(or distributed.comm.tls in the Dask config); tcp:// is for 127.0.0.1 only")
        return None
    if tls.given:
        missing = [name for name, value in (("--tls-ca", tls.ca), ("--tls-cert", tls.cert), ("--tls-key", tls.key))
                   if value is None]
        if missing:
            raise InputError(f"TLS needs {', '.join(missing)} too", key="--cluster",
                             hint="give the CA, the client certificate and its key (PEM files)")
        for value in (tls.ca, tls.cert, tls.key):
            if not Path(value).is_file():  # type: ignore[arg-type]
                raise InputError("file not found", path=str(value), hint="give a PEM file")
        return Security(tls_ca_file=str(tls.ca), tls_client_cert=str(tls.cert), tls_client_key=str(tls.key),
                        require_encryption=True)
    security = Security(require_encryption=True)  # from the Dask configuration
    if not (security.tls_ca_file and security.tls_client_cert):
        raise InputError(f"{address}: TLS needs a CA and a client certificate", key="--cluster",
                         hint="give --tls-ca/--tls-cert/--tls-key, or set distributed.comm.tls.ca-file and "
                              "distributed.comm.tls.client.cert/key in the Dask configuration")
    return security


@contextlib.contextmanager
def open_client(address: str, tls: TlsFiles = TlsFiles()) -> Iterator[Any]:
    """A connected ``distributed.Client`` (starting a loopback LocalCluster for ``local:N``)."""
    from distributed import Client, LocalCluster  # lazy: Dask loads (about 1 s) only for a --cluster run

    scheme, value = parse_cluster(address)
    if scheme == "local":
        if tls.given:
            raise InputError("TLS files are for a remote scheduler", key="--cluster",
                             hint="local:N listens on 127.0.0.1 only and needs none")
        with LocalCluster(n_workers=int(value), threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, resources={RENDER_RESOURCE: 1}) as cluster, \
                Client(cluster) as client:
            yield client
        return
    security = security_for(address, tls)
    try:
        client = Client(address, security=security, timeout="15s")
    except (OSError, TimeoutError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {address}: {exc}", key="--cluster",
                         hint="start it with `dask scheduler` and workers with "
                              "`dask worker ADDRESS --nthreads 1 --resources render=1`") from None
    try:
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError:
            raise InputError(f"the Dask scheduler at {address} has no workers", key="--cluster",
                             hint="start workers with `dask worker ADDRESS --nthreads 1 --resources render=1`") from None
        yield client
    finally:
        client.close()
