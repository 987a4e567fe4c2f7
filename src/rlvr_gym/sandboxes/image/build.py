"""Build the runner image with no registry: debootstrap a Debian root, strip it, `docker import`.

The result matches ``Dockerfile`` beside this file (for machines that can pull
``debian:bookworm-slim``): Debian bookworm with Python 3, a user ``sandbox`` (uid/gid 1000), the
agent at ``/opt/rlvr/agent.py``, no setuid or setgid file, no compiler, no network tool.

The image carries the label ``rlvr-gym.sandbox.recipe=<hash>``, a hash of the agent's source and
of the recipe below; `build_image` does nothing when an image with that hash exists already.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from rlvr_gym.core.errors import ImageBuildError
from rlvr_gym.sandboxes.engine import RECIPE_LABEL, connect

DEFAULT_IMAGE = "rlvr-gym/sandbox:latest"
AGENT_SOURCE = Path(__file__).resolve().parent.parent / "agent.py"
AGENT_PATH = "/opt/rlvr/agent.py"

SUITE = "bookworm"
MIRROR = os.environ.get("RLVR_GYM_DEBIAN_MIRROR", "http://deb.debian.org/debian")
# python3, not python3-minimal: the minimal package lacks json, selectors' friends and most of
# the standard library that both the agent and typical candidate programs import.
PACKAGES = ("python3",)
# Gone from the image: tools that only make sense with privileges the sandbox never has (their
# setuid bits are cleared anyway), the package managers (no network, read-only root), and
# documentation. Paths are relative to the root.
REMOVE = (
    "usr/bin/su", "usr/bin/mount", "usr/bin/umount", "usr/bin/passwd", "usr/bin/chsh",
    "usr/bin/chfn", "usr/bin/gpasswd", "usr/bin/newgrp", "usr/bin/chage", "usr/bin/expiry",
    "usr/sbin/unix_chkpwd", "usr/bin/nsenter", "usr/bin/unshare", "usr/bin/setpriv",
    "usr/bin/apt", "usr/bin/apt-get", "usr/bin/apt-cache", "usr/bin/apt-config",
    "usr/bin/apt-key", "usr/bin/apt-mark", "usr/bin/apt-cdrom", "usr/lib/apt",
    "var/cache/apt", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/info",
    "usr/share/locale", "var/log", "debootstrap",
)
# Programs a candidate could build or reach the network with; the build fails if any is present.
FORBIDDEN = (
    "cc", "gcc", "g++", "clang", "tcc", "as", "ld", "make", "curl", "wget", "nc", "ncat",
    "netcat", "socat", "ssh", "scp", "telnet", "ftp", "ping", "ip",
)
CHANGES = (
    "USER sandbox",
    "WORKDIR /work",
    "ENV PATH=/usr/local/bin:/usr/bin:/bin",
    "ENV LANG=C.UTF-8",
    "ENV PYTHONDONTWRITEBYTECODE=1",
    f'CMD ["python3", "-I", "{AGENT_PATH}"]',
)
PASSWD = "sandbox:x:1000:1000:rlvr-gym sandbox:/work:/usr/sbin/nologin\n"
GROUP = "sandbox:x:1000:\n"
SHADOW = "sandbox:!:19000::::::\n"
RECIPE_VERSION = 1

Log = Callable[[str], None]


def recipe_hash() -> str:
    """The hash an image must carry to be current: agent source plus recipe."""
    recipe = {
        "version": RECIPE_VERSION, "suite": SUITE, "packages": PACKAGES, "remove": REMOVE,
        "changes": CHANGES, "passwd": PASSWD, "group": GROUP,
    }
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode())
    digest.update(AGENT_SOURCE.read_bytes())
    return digest.hexdigest()[:16]


def _split_tag(tag: str) -> tuple[str, str]:
    repository, sep, version = tag.rpartition(":")
    if not sep or "/" in version:
        return tag, "latest"
    return repository, version


def _log_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_image(tag: str = DEFAULT_IMAGE, *, force: bool = False, log: Log | None = None) -> str:
    """Build the runner image offline and tag it `tag`; returns `tag`.

    Skips the build when an image built from the same agent and recipe exists (it is only
    re-tagged if needed), unless `force`. Needs root and ``debootstrap`` on the host, and the
    Debian mirror (``RLVR_GYM_DEBIAN_MIRROR``, default deb.debian.org); about a minute.
    """
    say = log or _log_stderr
    client = connect()
    wanted = recipe_hash()
    if not force:
        current = client.images.list(filters={"label": f"{RECIPE_LABEL}={wanted}"})
        if current:
            image = current[0]
            if tag not in image.tags:
                image.tag(*_split_tag(tag))
            say(f"{tag} is up to date (recipe {wanted})")
            return tag
    if os.geteuid() != 0:
        raise ImageBuildError(
            "building the sandbox image runs debootstrap, which needs root; run "
            "`sudo rlvr sandbox build`, or build src/rlvr_gym/sandboxes/image/Dockerfile with "
            "`docker build` where a registry is reachable"
        )
    if shutil.which("debootstrap") is None:
        raise ImageBuildError(
            "debootstrap is not installed; install it (apt-get install -y debootstrap) and "
            "rerun `rlvr sandbox build`"
        )
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rlvr-gym" / "debs"
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rlvr-sandbox-build-") as scratch:
        root = Path(scratch) / "rootfs"
        say(f"debootstrap {SUITE} with {', '.join(PACKAGES)} from {MIRROR} ...")
        _run([
            "debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}",
            f"--cache-dir={cache}", SUITE, str(root), MIRROR,
        ], Path(scratch) / "debootstrap.log")
        say("stripping the root file system ...")
        _strip(root)
        _install(root)
        tarball = Path(scratch) / "rootfs.tar"
        _run(["tar", "--numeric-owner", "--xattrs", "-C", str(root), "-cf", str(tarball), "."],
             Path(scratch) / "tar.log")
        say(f"docker import as {tag} ...")
        repository, version = _split_tag(tag)
        changes = [*CHANGES, f"LABEL {RECIPE_LABEL}={wanted}"]
        try:
            client.api.import_image(
                src=str(tarball), repository=repository, tag=version, changes=changes,
            )
        except Exception as exc:  # docker.errors.APIError, or a broken connection
            raise ImageBuildError(f"docker import of the sandbox image failed: {exc}") from exc
    say(f"built {tag} (recipe {wanted})")
    return tag


def _run(argv: list[str], log_path: Path) -> None:
    with open(log_path, "wb") as log:
        done = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        tail = log_path.read_bytes()[-2000:].decode("utf-8", "replace")
        raise ImageBuildError(f"{argv[0]} failed with exit code {done.returncode}:\n{tail}")


def _strip(root: Path) -> None:
    for relative in REMOVE:
        path = root / relative
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
    for folder, _dirs, names in os.walk(root):
        for name in names:
            file = os.path.join(folder, name)
            mode = os.lstat(file).st_mode
            if stat.S_ISREG(mode) and mode & (stat.S_ISUID | stat.S_ISGID):
                os.chmod(file, stat.S_IMODE(mode) & ~(stat.S_ISUID | stat.S_ISGID))
    found = [name for name in FORBIDDEN
             for bin_dir in ("usr/bin", "usr/sbin", "bin", "sbin", "usr/local/bin")
             if (root / bin_dir / name).exists()]
    if found:
        raise ImageBuildError(f"the image would contain {sorted(set(found))}; refusing")


def _install(root: Path) -> None:
    with open(root / "etc/passwd", "a") as f:
        f.write(PASSWD)
    with open(root / "etc/group", "a") as f:
        f.write(GROUP)
    with open(root / "etc/shadow", "a") as f:
        f.write(SHADOW)
    work = root / "work"
    work.mkdir(mode=0o700, exist_ok=True)
    os.chown(work, 1000, 1000)
    agent_dir = root / AGENT_PATH.lstrip("/")
    agent_dir.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(AGENT_SOURCE, agent_dir)
    os.chmod(agent_dir, 0o644)
    (root / "var/log").mkdir(exist_ok=True)
